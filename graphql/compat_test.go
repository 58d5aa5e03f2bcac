package graphql_test

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/techconf/techconf/graphql"
	_ "github.com/techconf/techconf/internal/golden"
)

// TestCompatibleWith2018 checks the served schema against the 2018 API that
// existing clients speak: every type, field and argument is still there;
// outputs are equal or stricter (a client that handled null still works
// when it never comes), inputs are equal or looser, and new arguments are
// optional.
func TestCompatibleWith2018(t *testing.T) {
	src, err := os.ReadFile("testdata/api2018.graphql")
	if err != nil {
		t.Fatal(err)
	}
	old, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "api2018.graphql", Input: string(src)})
	if gqlErr != nil {
		t.Fatalf("parse 2018 schema: %v", gqlErr)
	}
	cur := graphql.NewExecutableSchema(graphql.Config{}).Schema()

	for name, oldDef := range old.Types {
		if oldDef.BuiltIn {
			continue
		}
		t.Run(name, func(t *testing.T) {
			newDef := cur.Types[name]
			if newDef == nil {
				t.Fatalf("type %s is gone", name)
			}
			if newDef.Kind != oldDef.Kind {
				t.Fatalf("type %s is a %s; want %s", name, newDef.Kind, oldDef.Kind)
			}
			for _, iface := range oldDef.Interfaces {
				if !contains(newDef.Interfaces, iface) {
					t.Errorf("type %s no longer implements %s", name, iface)
				}
			}
			for _, oldField := range oldDef.Fields {
				newField := newDef.Fields.ForName(oldField.Name)
				if newField == nil {
					t.Errorf("%s.%s is gone", name, oldField.Name)
					continue
				}
				if oldDef.Kind == ast.InputObject {
					if !looser(cur, newField.Type, oldField.Type) {
						t.Errorf("input %s.%s is %s; want %s or looser", name, oldField.Name, newField.Type, oldField.Type)
					}
					continue
				}
				if !stricter(cur, newField.Type, oldField.Type) {
					t.Errorf("%s.%s is %s; want %s or stricter", name, oldField.Name, newField.Type, oldField.Type)
				}
				for _, oldArg := range oldField.Arguments {
					newArg := newField.Arguments.ForName(oldArg.Name)
					if newArg == nil {
						t.Errorf("argument %s.%s(%s) is gone", name, oldField.Name, oldArg.Name)
						continue
					}
					if !looser(cur, newArg.Type, oldArg.Type) {
						t.Errorf("argument %s.%s(%s) is %s; want %s or looser", name, oldField.Name, oldArg.Name, newArg.Type, oldArg.Type)
					}
				}
				for _, newArg := range newField.Arguments {
					if oldField.Arguments.ForName(newArg.Name) == nil && newArg.Type.NonNull && newArg.DefaultValue == nil {
						t.Errorf("new argument %s.%s(%s: %s) is required; old clients do not send it", name, oldField.Name, newArg.Name, newArg.Type)
					}
				}
			}
			if oldDef.Kind == ast.InputObject {
				for _, newField := range newDef.Fields {
					if oldDef.Fields.ForName(newField.Name) == nil && newField.Type.NonNull && newField.DefaultValue == nil {
						t.Errorf("new input field %s.%s is required; old clients do not send it", name, newField.Name)
					}
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// stricter reports whether an output of type got can stand where the old
// schema promised want: same named type (or an implementation of an old
// interface), same list shape, and non-null wherever want was non-null.
func stricter(schema *ast.Schema, got, want *ast.Type) bool {
	if want.NonNull && !got.NonNull {
		return false
	}
	if (got.Elem == nil) != (want.Elem == nil) {
		return false
	}
	if got.Elem != nil {
		return stricter(schema, got.Elem, want.Elem)
	}
	if got.NamedType == want.NamedType {
		return true
	}
	def := schema.Types[got.NamedType]
	return def != nil && contains(def.Interfaces, want.NamedType)
}

// looser reports whether an input of type got accepts everything the old
// schema's want accepted: same named type and list shape, and nullable
// wherever want was nullable.
func looser(schema *ast.Schema, got, want *ast.Type) bool {
	if got.NonNull && !want.NonNull {
		return false
	}
	if (got.Elem == nil) != (want.Elem == nil) {
		return false
	}
	if got.Elem != nil {
		return looser(schema, got.Elem, want.Elem)
	}
	return got.NamedType == want.NamedType
}
