#!/bin/sh
# The sample job of `make run`: parameters arrive as environment variables.
echo "hello $GREETING from $(hostname)"
echo "done"
