package executionstest

// ServiceManifest is a minimal route or data-service artifact.json
// (typ "route" or "data-service", binary "microservice" or "runtime").
func ServiceManifest(name, version, typ, binary string) map[string]any {
	return map[string]any{"name": name, "version": version, "type": typ, "binaryType": binary,
		"entrypoint": []string{"./serve.sh"}, "healthPath": "/health"}
}
