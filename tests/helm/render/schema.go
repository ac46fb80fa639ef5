package main

// The part of JSON Schema that a chart's values.schema.json uses: type (one or a list), properties, required,
// additionalProperties (false or a schema), items, enum, minimum, maximum, minLength, minItems, pattern.
// Anything else in the schema is ignored, so a schema using more is checked less, never wrongly rejected.

import (
	"fmt"
	"math"
	"regexp"
	"sort"
)

func jsonType(v interface{}) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []interface{}:
		return "array"
	case map[string]interface{}:
		return "object"
	case int64:
		return "integer"
	case float64:
		if t == math.Trunc(t) {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func typeMatches(want interface{}, got string) bool {
	matches := func(name string) bool { return name == got || (name == "number" && got == "integer") }
	switch w := want.(type) {
	case string:
		return matches(w)
	case []interface{}:
		for _, item := range w {
			if s, ok := item.(string); ok && matches(s) {
				return true
			}
		}
		return false
	}
	return true
}

func asFloat(v interface{}) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int64:
		return float64(t), true
	}
	return 0, false
}

func validateObject(schema map[string]interface{}, obj map[string]interface{}, at string) []string {
	var problems []string
	properties, _ := schema["properties"].(map[string]interface{})
	if req, ok := schema["required"].([]interface{}); ok {
		for _, name := range req {
			if _, present := obj[fmt.Sprint(name)]; !present {
				problems = append(problems, fmt.Sprintf("- %s: %s is required", at, name))
			}
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if sub, ok := properties[k]; ok {
			problems = append(problems, validate(sub, obj[k], at+"."+k)...)
			continue
		}
		switch extra := schema["additionalProperties"].(type) {
		case bool:
			if !extra {
				problems = append(problems, fmt.Sprintf("- %s: additional property %s is not allowed", at, k))
			}
		case map[string]interface{}:
			problems = append(problems, validate(extra, obj[k], at+"."+k)...)
		}
	}
	return problems
}

func validateScalar(schema map[string]interface{}, value interface{}, at string) []string {
	var problems []string
	if n, ok := asFloat(value); ok {
		if min, ok := asFloat(schema["minimum"]); ok && n < min {
			problems = append(problems, fmt.Sprintf("- %s: must be >= %v", at, min))
		}
		if max, ok := asFloat(schema["maximum"]); ok && n > max {
			problems = append(problems, fmt.Sprintf("- %s: must be <= %v", at, max))
		}
	}
	if s, ok := value.(string); ok {
		if min, ok := asFloat(schema["minLength"]); ok && float64(len(s)) < min {
			problems = append(problems, fmt.Sprintf("- %s: must be at least %v characters", at, min))
		}
		if pattern, ok := schema["pattern"].(string); ok {
			re, err := regexp.Compile(pattern)
			if err != nil {
				problems = append(problems, fmt.Sprintf("- %s: bad pattern in schema: %v", at, err))
			} else if !re.MatchString(s) {
				problems = append(problems, fmt.Sprintf("- %s: %q does not match %s", at, s, pattern))
			}
		}
	}
	return problems
}

// validate returns one line per problem, each naming the value's path.
func validate(schemaNode interface{}, value interface{}, at string) []string {
	schema, ok := schemaNode.(map[string]interface{})
	if !ok {
		return nil
	}
	if want, ok := schema["type"]; ok && !typeMatches(want, jsonType(value)) {
		return []string{fmt.Sprintf("- %s: invalid type, expected %v, got %s", at, want, jsonType(value))}
	}
	if enum, ok := schema["enum"].([]interface{}); ok {
		found := false
		for _, allowed := range enum {
			if fmt.Sprint(allowed) == fmt.Sprint(value) {
				found = true
			}
		}
		if !found {
			return []string{fmt.Sprintf("- %s: %v is not one of %v", at, value, enum)}
		}
	}
	switch t := value.(type) {
	case map[string]interface{}:
		return validateObject(schema, t, at)
	case []interface{}:
		var problems []string
		if min, ok := asFloat(schema["minItems"]); ok && float64(len(t)) < min {
			problems = append(problems, fmt.Sprintf("- %s: must have at least %v items", at, min))
		}
		for i, item := range t {
			problems = append(problems, validate(schema["items"], item, fmt.Sprintf("%s[%d]", at, i))...)
		}
		return problems
	}
	return validateScalar(schema, value, at)
}
