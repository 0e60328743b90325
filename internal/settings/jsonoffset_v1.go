//go:build !goexperiment.jsonv2

package settings

// jsonOffsetAfterByte reports whether json.SyntaxError.Offset points just
// past the offending byte (the classic encoding/json scanner) rather than
// at it (the jsonv2-based implementation).
const jsonOffsetAfterByte = true
