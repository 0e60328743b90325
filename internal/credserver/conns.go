package credserver

import (
	"container/list"
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// connTable keeps the open connections within MaxConns such that local
// processes without the token cannot crowd out the one that has it: a
// connection that has not sent the token yet is the first to go when a new
// one arrives and all places are taken.
type connTable struct {
	s      *Server
	mu     sync.Mutex
	fresh  list.List // *conn that have not sent the token, oldest first
	authed int       // open connections that have sent the token
}

// conn is one accepted connection.
type conn struct {
	net.Conn
	t      *connTable
	authed atomic.Bool   // has sent the token (set with t.mu held)
	elem   *list.Element // in t.fresh; guarded by t.mu
	gone   bool          // no longer counted (closed or evicted); guarded by t.mu
}

// add counts a new connection, evicting the oldest one without the token
// when the table is full. It returns nil when every place is taken by a
// connection that has sent the token.
func (t *connTable) add(c net.Conn) *conn {
	nc := &conn{Conn: c, t: t}
	var victim *conn
	t.mu.Lock()
	if t.fresh.Len()+t.authed >= MaxConns {
		front := t.fresh.Front()
		if front == nil {
			t.mu.Unlock()
			return nil
		}
		victim = t.fresh.Remove(front).(*conn)
		victim.elem, victim.gone = nil, true
	}
	nc.elem = t.fresh.PushBack(nc)
	t.mu.Unlock()
	if victim != nil {
		_ = victim.Conn.Close()
		t.s.refuse(reasonTooManyConns)
	}
	return nc
}

// authenticate records that the connection has sent the token: it is no
// longer evicted for newcomers.
func (c *conn) authenticate() {
	if c.authed.Load() {
		return
	}
	t := c.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.gone || c.authed.Load() {
		return
	}
	t.fresh.Remove(c.elem)
	c.elem = nil
	c.authed.Store(true)
	t.authed++
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	t := c.t
	t.mu.Lock()
	if !c.gone {
		c.gone = true
		if c.elem != nil {
			t.fresh.Remove(c.elem)
			c.elem = nil
		} else if c.authed.Load() {
			t.authed--
		}
	}
	t.mu.Unlock()
	return err
}

// limitListener admits connections through the table.
type limitListener struct {
	net.Listener
	t *connTable
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if nc := l.t.add(c); nc != nil {
			return nc, nil
		}
		_ = c.Close()
		l.t.s.refuse(reasonTooManyConns)
	}
}

type connKey struct{}

// withConn is the server's ConnContext: it lets a request reach its
// connection.
func withConn(ctx context.Context, c net.Conn) context.Context {
	if nc, ok := c.(*conn); ok {
		return context.WithValue(ctx, connKey{}, nc)
	}
	return ctx
}

// connOf returns the connection a request came on, or nil (a request not
// served through Start).
func connOf(ctx context.Context) *conn {
	nc, _ := ctx.Value(connKey{}).(*conn)
	return nc
}
