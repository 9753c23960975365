// Command sizecheck enforces the house limits on Go source size: no
// non-test .go file over 400 lines and no function (or method) over 60
// lines, counted from its func keyword to its closing brace. Test files,
// testdata and generated files are exempt. It prints every offender and
// exits 1 if there is any.
//
// Usage: go run ./scripts/sizecheck [dir, default .]
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The limits (STYLE.md: files under ~400 lines, functions under ~60).
const (
	maxFileLines = 400
	maxFuncLines = 60
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	offences, err := check(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizecheck:", err)
		os.Exit(2)
	}
	for _, o := range offences {
		fmt.Println(o)
	}
	if len(offences) > 0 {
		fmt.Fprintf(os.Stderr, "sizecheck: %d over the limits (files %d lines, functions %d lines)\n", len(offences), maxFileLines, maxFuncLines)
		os.Exit(1)
	}
}

// check walks root and returns one line per file or function over a limit.
func check(root string) ([]string, error) {
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		found, err := checkFile(fset, path)
		out = append(out, found...)
		return err
	})
	return out, err
}

// checkFile returns the offences of one Go file.
func checkFile(fset *token.FileSet, path string) ([]string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if generated(src) {
		return nil, nil
	}
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []string
	if n := bytes.Count(src, []byte("\n")); n > maxFileLines {
		out = append(out, fmt.Sprintf("%s: %d lines (limit %d)", path, n, maxFileLines))
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		start, end := fset.Position(fd.Pos()), fset.Position(fd.End())
		if n := end.Line - start.Line + 1; n > maxFuncLines {
			out = append(out, fmt.Sprintf("%s:%d: func %s: %d lines (limit %d)", path, start.Line, funcName(fd), n, maxFuncLines))
		}
	}
	return out, nil
}

// funcName is Name or Recv.Name for methods.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if g, ok := t.(*ast.IndexExpr); ok {
		t = g.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// generated reports whether src carries the standard "Code generated ...
// DO NOT EDIT." line before its package clause.
func generated(src []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "package ") {
			return false
		}
		if strings.HasPrefix(line, "// Code generated ") && strings.HasSuffix(line, " DO NOT EDIT.") {
			return true
		}
	}
	return false
}
