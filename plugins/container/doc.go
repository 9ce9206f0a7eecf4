// Package container is the OSGi-style runtime container: one long-lived
// plugin process per engine that hosts many bundles on one HTTP port. A
// bundle is an artifact whose entrypoint serves HTTP on $PORT; the
// container runs it as a child process on a private loopback port and
// mounts it under /NAME/. Bundles move through INSTALLED → RESOLVED →
// STARTING → ACTIVE → STOPPING (and UNINSTALLED), are installed, updated
// and removed without restarting the container or touching the other
// bundles, and are brought back after a container restart from the
// bundles.json file in the container's work directory.
//
// Update starts the new version beside the old one, waits for it to be
// healthy, switches traffic, and only then drains and stops the old one:
// no request is refused during an update.
//
// It must not know about the supervisor, cgroups or the agent.
package container
