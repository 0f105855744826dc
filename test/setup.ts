// Runs before every test file: no test may reach a real cloud or any address but 127.0.0.1.
// Strip whatever AWS settings the developer's shell carries, and point the SDK's instance
// metadata lookups at a closed loopback port instead of 169.254.169.254. Tests that need
// the simulator's IMDS or credentials set them explicitly.
for (const name of Object.keys(process.env)) {
  if (name.startsWith("AWS_")) delete process.env[name];
}
process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = "http://127.0.0.1:9";
process.env.AWS_CONFIG_FILE = "/nonexistent/ha-pair-test/config";
process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/ha-pair-test/credentials";
// The SDK's notice that future releases need Node 22 (the CLI silences it the same way).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
