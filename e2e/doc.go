// Package e2e holds multi-process tests: it builds the binaries once, starts
// control-plane nodes and agents as real processes with their own data
// directories, injects faults (kill -9, partitions) and waits on conditions.
//
// It drives the product from outside: through its binaries, HTTP API, QUIC
// engine sessions and files, never by calling into a running node. Besides
// e2e/harness it imports, and may import, only:
//   - protocol, the wire messages and enums engines and the API share;
//   - controlplane/state for the names of statuses, strategies and runtime
//     kinds and the JSON shape of an artifact publication, as the API
//     spells them (constants and types only, no state is read);
//   - the test kits controlplane/deployments/deploymentstest (a fleet of
//     simulated engines over real QUIC sessions, rollout JSON shapes),
//     controlplane/executions/executionstest (job archives and manifests,
//     a shared workspace made through the HTTP API) and bench/enginesim
//     (many simulated engines);
//   - internal/testnet, for free ports.
//
// It must not import other internal packages to reach around the product.
package e2e
