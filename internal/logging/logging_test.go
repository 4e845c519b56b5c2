package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRotatingFileRotatesBySize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "d.log")
	r, err := OpenRotating(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 39) + "\n")
	for i := 0; i < 10; i++ {
		if _, err := r.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".1", path + ".2"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if st.Size() > 100 {
			t.Errorf("%s is %d bytes, limit 100", p, st.Size())
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, st.Mode().Perm())
		}
	}
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Error("kept more than 2 old files")
	}
}

func TestSecretNamedAttributesAreMasked(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelDebug)
	log.Info("refreshed", "file", "qwen-oauth-1.json", "refresh_token", "supersecretvalue", "clientSecret", "fake-client-secret-abcdefghijk")
	out := buf.String()
	if strings.Contains(out, "supersecretvalue") || strings.Contains(out, "abcdefghijk") {
		t.Fatalf("secret in log: %s", out)
	}
	if !strings.Contains(out, "qwen-oauth-1.json") {
		t.Fatalf("file name masked: %s", out)
	}
}

func TestAuditLogAppendsJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "token-audit.jsonl")
	a, err := OpenAudit(path, 1<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for _, st := range []string{"refreshing", "valid"} {
		if err := a.Append(AuditRecord{At: at, File: "qwen-oauth-1.json", Provider: "qwen", Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), data)
	}
	var r AuditRecord
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil || r.Status != "valid" || !r.At.Equal(at) {
		t.Fatalf("second line %q: %+v, %v", lines[1], r, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
}

// The audit log rotates like the daemon log, between records.
func TestAuditLogRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "token-audit.jsonl")
	a, err := OpenAudit(path, 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := a.Append(AuditRecord{At: time.Unix(int64(i), 0).UTC(), File: "qwen-oauth-1.json", Provider: "qwen", Status: "valid"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".1", path + ".2"} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 1000 {
			t.Errorf("%s is %d bytes, limit 1000", p, len(data))
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var rec AuditRecord
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s: a line cut by the rotation: %q", p, line)
			}
		}
	}
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Error("kept more than 2 old files")
	}
}

// A link planted where a log goes is refused, not followed.
func TestLogsDoNotFollowLinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"token-daemon.log", "token-audit.jsonl"} {
		path := filepath.Join(dir, "logs", name)
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.Symlink(victim, path); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := OpenRotating(filepath.Join(dir, "logs", "token-daemon.log"), 100, 1); err == nil {
		r.Close()
		t.Error("the daemon log followed a link")
	}
	if a, err := OpenAudit(filepath.Join(dir, "logs", "token-audit.jsonl"), 100, 1); err == nil {
		a.Close()
		t.Error("the audit log followed a link")
	}
	if data, _ := os.ReadFile(victim); string(data) != "keep" {
		t.Errorf("the link's target was written: %q", data)
	}
}
