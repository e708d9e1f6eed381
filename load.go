package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Format is the syntax of a policy file.
type Format int

// The policy file formats.
const (
	// JSON is a JSON object with the fields of Policy.
	JSON Format = iota
	// YAML is the same document in YAML.
	YAML
)

// maxPolicyBytes bounds a policy file; real policies are a few tens of KB.
const maxPolicyBytes = 4 << 20

// LoadPolicy reads, parses and validates a policy file. The format follows
// the extension: ".json" is JSON, ".yaml" and ".yml" are YAML.
func LoadPolicy(path string) (*Policy, error) {
	var format Format
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		format = JSON
	case ".yaml", ".yml":
		format = YAML
	default:
		return nil, fmt.Errorf("policy %s: unknown extension: want .json, .yaml or .yml", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPolicyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	p, err := ParsePolicy(data, format)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy parses and validates a policy document. Unknown fields are
// errors, so a misspelt key is not silently ignored.
func ParsePolicy(data []byte, format Format) (*Policy, error) {
	if len(data) > maxPolicyBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidPolicy, maxPolicyBytes)
	}
	var p Policy
	switch format {
	case JSON:
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: trailing data after the policy object", ErrInvalidPolicy)
		}
	case YAML:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&p); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: empty document", ErrInvalidPolicy)
			}
			return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
		}
	default:
		return nil, fmt.Errorf("unknown policy format %d", format)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// catalogOff is how a policy file turns the catalog off: "catalog: none".
const catalogOff = "none"

// catalogFields are the keys of a catalog mapping, for the strict check
// that yaml.Node.Decode (unlike the file's decoder) does not make.
var catalogFields = []string{"categories", "vendors", "exclude", "uses"}

// catalogSettings has CatalogSettings' fields without its methods, so that
// decoding into it does not recurse.
type catalogSettings CatalogSettings

// UnmarshalYAML reads "none" as Off, and otherwise a mapping whose keys
// must be known.
func (s *CatalogSettings) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag != "!!null" && n.Value == catalogOff {
			*s = CatalogSettings{Off: true}
			return nil
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; !slices.Contains(catalogFields, k) {
				return fmt.Errorf("line %d: catalog: unknown field %q: want %s, or catalog: none", n.Content[i].Line, k, strings.Join(catalogFields, ", "))
			}
		}
		var v catalogSettings
		if err := n.Decode(&v); err != nil {
			return err
		}
		*s = CatalogSettings(v)
		return nil
	}
	return fmt.Errorf("line %d: catalog: want %q or a mapping of %s", n.Line, catalogOff, strings.Join(catalogFields, ", "))
}

// MarshalYAML writes Off as "none".
func (s CatalogSettings) MarshalYAML() (any, error) {
	if s.Off {
		return catalogOff, nil
	}
	return catalogSettings(s), nil
}

// UnmarshalJSON reads "none" as Off, and otherwise an object whose keys
// must be known.
func (s *CatalogSettings) UnmarshalJSON(data []byte) error {
	var str string
	if err := json.Unmarshal(data, &str); err == nil {
		if str != catalogOff {
			return fmt.Errorf("catalog: %q: want %q or an object", str, catalogOff)
		}
		*s = CatalogSettings{Off: true}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var v catalogSettings
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	*s = CatalogSettings(v)
	return nil
}

// MarshalJSON writes Off as "none".
func (s CatalogSettings) MarshalJSON() ([]byte, error) {
	if s.Off {
		return json.Marshal(catalogOff)
	}
	return json.Marshal(catalogSettings(s))
}

// EncodeYAML returns the policy as a YAML document that ParsePolicy reads
// back.
func (p *Policy) EncodeYAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
