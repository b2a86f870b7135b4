package main

// Extracting the metric names a PromQL expression reads, without a full parser: strings, label matchers and
// range selectors are blanked out, then every identifier that is not a function, an aggregation, a keyword or
// a label in a grouping clause is a metric name.

import (
	"sort"
	"strings"
)

var promqlAggregations = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "count": true, "stddev": true, "stdvar": true,
	"topk": true, "bottomk": true, "quantile": true, "count_values": true, "group": true,
}

var promqlKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true,
	"start": true, "end": true,
}

// Clauses followed by a parenthesised list of label names.
var promqlLabelLists = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// MetricNames returns the sorted, de-duplicated metric names an expression selects.
func MetricNames(expr string) []string {
	s := blankOut(expr)
	seen := map[string]bool{}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			for i < len(s) && (isIdent(s[i]) || s[i] == '.') {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			word := s[i:j]
			next := skipSpace(s, j)
			switch {
			case promqlLabelLists[word]:
				if next < len(s) && s[next] == '(' {
					j = closeParen(s, next)
				}
			case promqlAggregations[word], promqlKeywords[word]:
			case next < len(s) && s[next] == '(':
				// a function call
			default:
				seen[word] = true
			}
			i = j
		default:
			i++
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// blankOut replaces string literals, {label matchers}, [ranges] and # comments with spaces.
func blankOut(expr string) string {
	b := []byte(expr)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"', '\'', '`':
			q := b[i]
			b[i] = ' '
			for i++; i < len(b) && b[i] != q; i++ {
				if b[i] == '\\' && q != '`' && i+1 < len(b) {
					b[i] = ' '
					i++
				}
				b[i] = ' '
			}
			if i < len(b) {
				b[i] = ' '
			}
		case '{', '[':
			closer := byte('}')
			if b[i] == '[' {
				closer = ']'
			}
			for ; i < len(b) && b[i] != closer; i++ {
				b[i] = ' '
			}
			if i < len(b) {
				b[i] = ' '
			}
		case '#':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		}
	}
	return string(b)
}

func closeParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

func skipSpace(s string, i int) int {
	for i < len(s) && strings.ContainsRune(" \t\r\n", rune(s[i])) {
		i++
	}
	return i
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c == ':' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdent(c byte) bool      { return isIdentStart(c) || isDigit(c) }

// BaseMetric maps a histogram or summary series name to its family (x_bucket → x) when the family is known.
func BaseMetric(name string, families map[string]bool) string {
	if families[name] {
		return name
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count", "_total", "_created"} {
		if strings.HasSuffix(name, suffix) && families[strings.TrimSuffix(name, suffix)] {
			return strings.TrimSuffix(name, suffix)
		}
	}
	return name
}
