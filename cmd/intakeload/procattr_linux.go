//go:build linux

package main

import "syscall"

// childAttr puts a child (redis-server, the bot) in a process group of its
// own, so that a Ctrl-C reaches this tool, which stops them in order; and
// has the kernel kill it if this tool dies without doing so.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
