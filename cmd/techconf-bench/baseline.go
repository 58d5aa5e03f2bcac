package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// baselineBody is the plain handler's fixed answer: 200 bytes of JSON, the
// size of a createLike answer, so that comparisons measure techconf's work
// and not the bytes on the wire.
var baselineBody = func() []byte {
	prefix := `{"data":{"createLike":{"count":1,"like":{"id":"`
	suffix := `"}}}}`
	return []byte(prefix + strings.Repeat("x", 200-len(prefix)-len(suffix)) + suffix)
}()

// serveBaseline runs a plain net/http server that answers every request
// with baselineBody, until ctx is done.
func serveBaseline(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(baselineBody)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Printf("baseline: serving %d bytes of JSON on http://%s\n", len(baselineBody), ln.Addr())
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
