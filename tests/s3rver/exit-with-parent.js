// Preloaded by tests/Vault.Server.Tests/S3Server.cs (node --require): s3rver ends when the test process that started it
// ends, even by a crash, because its stdin (a pipe from that process) closes then.
'use strict';
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
