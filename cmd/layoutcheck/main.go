package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	root := flag.String("root", "", "module root (default: the folder of the go.mod at or above the working directory)")
	flag.Parse()
	if *root == "" {
		dir, err := findRoot(".")
		if err != nil {
			fail(err)
		}
		*root = dir
	}
	r, err := Check(*root, DefaultConfig)
	if err != nil {
		fail(err)
	}
	r.Write(os.Stdout)
	if len(r.Violations) > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "layoutcheck:", err)
	os.Exit(2)
}
