package main

import (
	"reflect"
	"strings"
	"testing"
	"text/template"
)

func TestTypedValueFollowsHelmSet(t *testing.T) {
	cases := map[string]interface{}{
		"true": true, "false": false, "2": int64(2), "0": int64(0), "007": "007", "abc": "abc",
		"{a,b}": []interface{}{"a", "b"}, "{}": []interface{}{}, "1.5": "1.5",
	}
	for in, want := range cases {
		if got := typedValue(in); !reflect.DeepEqual(got, want) {
			t.Errorf("typedValue(%q) = %#v, want %#v", in, got, want)
		}
	}
	if typedValue("null") != nil {
		t.Error("null is not nil")
	}
}

func TestSetValueNestsEscapesAndDeletes(t *testing.T) {
	values := map[string]interface{}{"a": map[string]interface{}{"keep": "x", "drop": "y"}}
	setValue(values, "a.b.c=1")
	setValue(values, `ann.prometheus\.io/scrape=true`)
	setValue(values, "a.drop=null")
	want := map[string]interface{}{
		"a":   map[string]interface{}{"keep": "x", "b": map[string]interface{}{"c": int64(1)}},
		"ann": map[string]interface{}{"prometheus.io/scrape": true},
	}
	if !reflect.DeepEqual(values, want) {
		t.Errorf("got %#v", values)
	}
}

func TestMergeIsDeepAndNullDeletes(t *testing.T) {
	dst := readYAMLMap([]byte("a: {p: 1, q: 2}\nlist: [1, 2]\nkeep: k\n"), "dst")
	merge(dst, readYAMLMap([]byte("a: {q: 3, r: 4}\nlist: [5]\nkeep: null\n"), "src"))
	want := map[string]interface{}{
		"a":    map[string]interface{}{"p": float64(1), "q": float64(3), "r": float64(4)},
		"list": []interface{}{float64(5)},
	}
	if !reflect.DeepEqual(dst, want) {
		t.Errorf("got %#v", dst)
	}
}

func execute(t *testing.T, text string, data interface{}) (string, error) {
	t.Helper()
	e := &engine{root: template.New("chart")}
	e.root.Option("missingkey=zero")
	e.root.Funcs(e.funcs())
	if _, err := e.root.New("chart/templates/_h.tpl").Parse(`{{ define "greet" }}hi {{ . }}{{ end }}`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.root.New("chart/templates/t.yaml").Parse(text); err != nil {
		t.Fatal(err)
	}
	return e.include("chart/templates/t.yaml", data)
}

func TestHelmFunctions(t *testing.T) {
	data := map[string]interface{}{"v": map[string]interface{}{"name": "db", "list": []interface{}{"a"}}}
	cases := map[string]string{
		`{{ include "greet" "x" | upper }}`:                     "HI X",
		`{{ tpl "{{ .v.name }}-{{ include \"greet\" 1 }}" . }}`: "db-hi 1",
		`{{ toYaml .v }}`:                           "list:\n- a\nname: db",
		`{{ (fromYaml "a: {b: 2}").a.b }}`:          "2",
		`{{ toJson .v }}`:                           `{"list":["a"],"name":"db"}`,
		`{{ (fromJson "{\"k\": \"v\"}").k }}`:       "v",
		`{{ required "need name" .v.name }}`:        "db",
		`{{ len (lookup "v1" "Secret" "ns" "n") }}`: "0",
		`{{ .v.missing | default "d" }}`:            "d",
	}
	for text, want := range cases {
		got, err := execute(t, text, data)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", text, got, err, want)
		}
	}
	if _, err := execute(t, `{{ required "name is required" .v.nothing }}`, data); err == nil ||
		!strings.Contains(err.Error(), "name is required") {
		t.Errorf("required did not fail: %v", err)
	}
	funcs := (&engine{}).funcs()
	for _, removed := range []string{"env", "expandenv"} {
		if _, ok := funcs[removed]; ok {
			t.Errorf("%s is available; Helm removes it", removed)
		}
	}
}

func TestSchemaValidation(t *testing.T) {
	schema := map[string]interface{}{
		"type": "object", "required": []interface{}{"n"}, "additionalProperties": false,
		"properties": map[string]interface{}{
			"n": map[string]interface{}{"type": "integer", "minimum": float64(1)},
			"s": map[string]interface{}{"type": "string", "enum": []interface{}{"a", "b"}},
			"l": map[string]interface{}{
				"type": "array", "items": map[string]interface{}{"type": "string", "pattern": "^[a-z]+$"},
			},
		},
	}
	ok := map[string]interface{}{"n": float64(2), "s": "a", "l": []interface{}{"x"}}
	if problems := validate(schema, ok, "values"); len(problems) != 0 {
		t.Errorf("valid values rejected: %v", problems)
	}
	bad := map[string]interface{}{"n": 1.5, "s": "c", "l": []interface{}{"X"}, "extra": true}
	problems := strings.Join(validate(schema, bad, "values"), "\n")
	wanted := []string{"values.n: invalid type", "values.s: c is not one of", "values.l[0]", "additional property extra"}
	for _, want := range wanted {
		if !strings.Contains(problems, want) {
			t.Errorf("missing %q in:\n%s", want, problems)
		}
	}
	if problems := validate(schema, map[string]interface{}{"n": int64(0)}, "values"); len(problems) != 1 {
		t.Errorf("minimum not checked: %v", problems)
	}
	if problems := validate(schema, map[string]interface{}{}, "values"); len(problems) != 1 {
		t.Errorf("required not checked: %v", problems)
	}
}
