//! The rules of Bedrock Ops Alert, free of I/O: no AWS SDK, no async runtime.
