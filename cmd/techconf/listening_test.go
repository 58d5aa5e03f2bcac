package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// listening returns the loopback TCP addresses that process pid listens
// on, read from /proc. A server process started on 127.0.0.1:0 chooses its
// ports itself; the test reads them back here rather than closing a free
// port and hoping that nobody takes it before the server does.
func listening(tb testing.TB, pid int) []string {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skip("reads a process's listening ports from /proc (Linux)")
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return nil // the process has exited or not started yet
	}
	sockets := map[string]bool{}
	for _, fd := range fds {
		link, _ := os.Readlink(filepath.Join(dir, fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			sockets[strings.TrimSuffix(inode, "]")] = true
		}
	}
	table, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return nil
	}
	var addrs []string
	for _, line := range strings.Split(string(table), "\n")[1:] {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" || !sockets[f[9]] { // 0A: LISTEN
			continue
		}
		_, portHex, _ := strings.Cut(f[1], ":")
		port, err := strconv.ParseUint(portHex, 16, 16)
		if err != nil {
			continue
		}
		addrs = append(addrs, "127.0.0.1:"+strconv.FormatUint(port, 10))
	}
	return addrs
}
