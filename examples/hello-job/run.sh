#!/bin/sh
# The sample job of `make run`: parameters arrive as environment variables.
echo "hello $GREETING from $(hostname)"
echo "this line went to stderr" >&2
