package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/godeps"
)

// compilers are calls that build a table at package init when a
// package-level variable is initialised with them: compiling a regular
// expression at init cost every agent start 0.2 ms (internal/atomicfile).
var compilers = map[string]bool{
	"regexp.MustCompile": true, "regexp.Compile": true, "regexp.MustCompilePOSIX": true,
	"template.Must": true, "template.New": true,
}

// initWork are this module's packages whose init is their purpose, with why.
var initWork = map[string]string{
	"github.com/sovbench/sovbench/internal/startup": "it makes the start cheaper: the heap's start on a huge page, the stack grown early (TestStartupInitsFirst)",
}

// TestOwnPackagesDoNoWorkAtInit: the packages of this module the slim agent
// links have no init functions and initialise no package-level variable
// by compiling a regular expression or a template; such work is done on
// first use (sync.OnceValue), so it is paid by the plans that need it,
// not by every start on every host (scripts/bench/agent.sh).
func TestOwnPackagesDoNoWorkAtInit(t *testing.T) {
	const mod = "github.com/sovbench/sovbench/"
	for _, line := range godeps.List(t, nil, "-f", "{{.ImportPath}}|{{.Dir}}|{{join .GoFiles \",\"}}", ".") {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[0], mod) || parts[2] == "" || initWork[parts[0]] != "" {
			continue
		}
		for _, f := range strings.Split(parts[2], ",") {
			checkInitWork(t, filepath.Join(parts[1], f))
		}
	}
}

func checkInitWork(t *testing.T, file string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" {
				t.Errorf("%s: an init function runs at every agent start", fset.Position(d.Pos()))
			}
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			for _, s := range d.Specs {
				for _, v := range s.(*ast.ValueSpec).Values {
					if c, ok := v.(*ast.CallExpr); ok && compilers[callName(c)] {
						t.Errorf("%s: %s at package init runs at every agent start; compile on first use", fset.Position(v.Pos()), callName(c))
					}
				}
			}
		}
	}
}

// callName is "pkg.Func" for a call of a package's function, else "".
func callName(c *ast.CallExpr) string {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return ""
	}
	return id.Name + "." + sel.Sel.Name
}

// TestStartupInitsFirst: internal/startup puts the start of the heap on a
// huge page and grows the stack, which pays only for what is allocated and
// called after its init (its doc). No package that allocates may be
// initialised before it, which holds while it imports nothing but unsafe;
// this test binary, which links what the agent links, shows the order
// (GODEBUG=inittrace=1).
func TestStartupInitsFirst(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "init" {
			continue
		}
		if f[1] == "github.com/sovbench/sovbench/internal/startup" {
			return
		}
		if !strings.HasSuffix(line, " 0 bytes, 0 allocs") {
			t.Errorf("%s initialises before internal/startup and allocates: %s", f[1], line)
		}
	}
	t.Errorf("internal/startup is not initialised (the agent must import it):\n%s", out)
}
