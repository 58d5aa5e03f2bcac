package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Listen is how the server listens: its addresses, its timeouts and its
// shutdown. Zero values take the defaults of `techconf serve`.
type Listen struct {
	// Addr is the public address, e.g. ":8080"; ":0" picks a free port,
	// which Server.Addr then reports (tests use it, so no port races).
	Addr string
	// AdminAddr, if set, serves /metrics and pprof (AdminHandler) on an
	// address the Ingress does not route.
	AdminAddr string
	// A client that sends its body a byte at a time, or never reads its
	// answer, holds a connection and its buffers only this long. Streams
	// (WebSockets, SSE) lift both deadlines once started.
	ReadTimeout  time.Duration // default 30 s
	WriteTimeout time.Duration // default 60 s
	IdleTimeout  time.Duration // keep-alive wait for the next request; default 120 s
	// ShutdownDelay is how long Close reports not-ready before it stops
	// accepting connections, so that a load balancer notices first.
	ShutdownDelay time.Duration
	// ShutdownGrace is how long requests in flight get to finish once Close
	// has stopped accepting connections; default 20 s.
	ShutdownGrace time.Duration
}

func (l *Listen) defaults() {
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = 30 * time.Second
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 60 * time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 120 * time.Second
	}
	if l.ShutdownGrace <= 0 {
		l.ShutdownGrace = 20 * time.Second
	}
}

// Open binds the public address (and the admin address, if any) and
// serves on them in the background. It returns once both listen, so that
// Addr and AdminAddr are known and requests are accepted.
func (s *Server) Open() error {
	if s.http != nil {
		return errors.New("server: already open")
	}
	cfg := s.cfg.Listen
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var adminLn net.Listener
	if cfg.AdminAddr != "" {
		if adminLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
			ln.Close()
			return fmt.Errorf("admin address: %w", err)
		}
	}
	var h http.Handler = s
	if s.cfg.Middleware != nil {
		h = s.cfg.Middleware(s)
	}
	s.addr = ln.Addr()
	s.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, cfg.ReadTimeout),
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
		// Requests do not inherit any caller's context: on shutdown those
		// in flight finish (a durable createLike waits for its flush).
	}
	s.failed = make(chan error, 1)
	limited := LimitListener(ln, s.cfg.Limits, s.cfg.Logger)
	go func() {
		if err := s.http.Serve(limited); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.failed <- err
		}
	}()
	if adminLn != nil {
		s.adminAddr = adminLn.Addr()
		s.admin = &http.Server{Handler: AdminHandler(s.cfg.MetricsHandler), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
		go func() {
			if err := s.admin.Serve(adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.cfg.Logger.Error("admin server", "err", err)
			}
		}()
	}
	return nil
}

// Addr is the address the server listens on, with the port it bound (so
// ":0" reads back as the port chosen); nil before Open.
func (s *Server) Addr() net.Addr { return s.addr }

// URL is the server's base URL on the loopback interface, e.g.
// http://127.0.0.1:8080, for tests and tools on the same host.
func (s *Server) URL() string { return loopbackURL(s.addr) }

// AdminURL is URL for the admin address; "" when there is none.
func (s *Server) AdminURL() string { return loopbackURL(s.adminAddr) }

func loopbackURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := "127.0.0.1"
	if tcp.IP.To4() == nil && !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// Failed delivers the error that stopped the server from serving (its
// listener broke), so that the process can exit instead of idling.
func (s *Server) Failed() <-chan error { return s.failed }

// Close shuts the server down gracefully: readiness fails at once, the
// listener stays open for ShutdownDelay so that the load balancer notices,
// then new connections are refused while the requests in flight get
// ShutdownGrace to finish. During that grace it runs OnShutdown (which
// stores the likes those requests wait for) and returns its error.
// A server that was never opened only runs OnShutdown.
func (s *Server) Close() error {
	cfg := s.cfg.Listen
	if s.http != nil {
		s.cfg.Logger.Info("shutting down", "grace", cfg.ShutdownGrace.String())
		s.Drain()
		time.Sleep(cfg.ShutdownDelay)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	hooked := make(chan error, 1)
	go func() {
		if s.cfg.OnShutdown == nil {
			hooked <- nil
			return
		}
		hooked <- s.cfg.OnShutdown(ctx)
	}()
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			s.cfg.Logger.Warn("shutdown: requests still in flight were cut off", "err", err)
		}
	}
	if s.admin != nil {
		s.admin.Close()
	}
	return <-hooked
}
