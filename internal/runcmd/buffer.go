package runcmd

// tailBuffer keeps the last max bytes written to it, using at most 2*max
// bytes of memory however much is written. The zero value with max <= 0
// discards everything.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	switch {
	case t.max <= 0:
	case n >= t.max:
		t.buf = appendBounded(t.buf[:0], p[n-t.max:], 2*int64(t.max))
	default:
		if len(t.buf)+n > 2*t.max {
			// Slide: keep the newest max-n bytes, then append p.
			keep := t.max - n
			copy(t.buf, t.buf[len(t.buf)-keep:])
			t.buf = t.buf[:keep]
		}
		t.buf = appendBounded(t.buf, p, 2*int64(t.max))
	}
	return n, nil
}

// Bytes returns a copy of the last (at most max) bytes written, or nil.
func (t *tailBuffer) Bytes() []byte {
	if t.max <= 0 {
		return nil
	}
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
	}
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// appendBounded appends p to b, growing b's capacity geometrically but never
// beyond limit (len(b)+len(p) must be <= limit).
func appendBounded(b, p []byte, limit int64) []byte {
	need := len(b) + len(p)
	if need > cap(b) {
		c := max(2*cap(b), need, 512)
		if int64(c) > limit {
			c = int(limit)
		}
		nb := make([]byte, len(b), c)
		copy(nb, b)
		b = nb
	}
	return append(b, p...)
}
