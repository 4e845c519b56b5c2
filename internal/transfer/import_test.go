package transfer

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/bundle"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

func qwen(email, rt string, exp time.Time) []byte {
	return []byte(`{"access_token":"AT","refresh_token":"` + rt + `","expires_at":` +
		strconv.FormatInt(exp.UnixMilli(), 10) + `,"email":"` + email + `","type":"qwen"}`)
}

// The plan of each conflict rule, and that Apply writes only what the plan
// said and refuses a file that changed meanwhile.
func TestPlanAndApply(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	early, late := now.Add(time.Hour), now.Add(48*time.Hour)
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("qwen-oauth-1-a.json", qwen("a@x", "RT-A-OLD", early))
	write("qwen-oauth-2-b.json", qwen("other@x", "RT-OTHER", late))
	write("qwen-oauth-3-c.json", []byte(`{"access_token":"AT","refresh_token":"RT-C-HERE","expires_at":1,"type":"qwen"}`))
	b := &bundle.Bundle{Files: []bundle.File{
		bundle.NewFile("qwen-oauth-1-a.json", 0o640, qwen("a@x", "RT-A-NEW", late)),
		bundle.NewFile("qwen-oauth-2-b.json", 0o600, qwen("b@x", "RT-B", late)),
		bundle.NewFile("qwen-oauth-3-c.json", 0o600, []byte(`{"access_token":"AT2","refresh_token":"RT-C-THERE","expires_at":9999999999999,"type":"qwen"}`)),
		bundle.NewFile("broken.json", 0o600, []byte(`{`)),
		bundle.NewFile("oauth-clients.local.json", 0o600, []byte(`{"qwen":{"clientSecret":"x"}}`)),
	}, Aliases: map[string]string{"qwen-oauth-2-b.json": "工作 b"}}
	h := Home{AuthDir: dir}
	want := map[string][]string{
		OnConflictNewer:  {"replace newer", "skip other_account", "skip unknown_account", "skip invalid", "skip not_token_name"},
		OnConflictSkip:   {"skip exists", "skip exists", "skip exists", "skip invalid", "skip not_token_name"},
		OnConflictRename: {"replace newer", "rename name_taken", "rename name_taken", "skip invalid", "skip not_token_name"},
	}
	for rule, exp := range want {
		items, err := Plan(h, b, rule)
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range items {
			if got := string(it.Action) + " " + it.Why; got != exp[i] {
				t.Errorf("%s: %s: %s, want %s", rule, it.File, got, exp[i])
			}
		}
		if rule == OnConflictRename {
			if items[1].Target != "qwen-oauth-4-b.json" || items[2].Target != "qwen-oauth-5-c.json" {
				t.Errorf("rename targets %s, %s", items[1].Target, items[2].Target)
			}
		}
	}
	items, _ := Plan(h, b, OnConflictNewer)
	write("qwen-oauth-1-a.json", qwen("a@x", "RT-A-CHANGED", early)) // changed after the plan
	out := Apply(h, items)
	if out[0].Action != ActionSkip || out[0].Why != WhyChanged {
		t.Fatalf("a file changed after the plan: %+v", out[0])
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "qwen-oauth-1-a.json")); string(data) != string(qwen("a@x", "RT-A-CHANGED", early)) {
		t.Fatalf("written over: %s", data)
	}
	items, _ = Plan(h, b, OnConflictNewer)
	out = Apply(h, items)
	f := tokenfile.Read(filepath.Join(dir, "qwen-oauth-1-a.json"), tokenfile.Options{})
	if out[0].Action != ActionReplace || f.RefreshToken != "RT-A-NEW" || f.Mode.Perm() != 0o640 {
		t.Fatalf("replace: %+v, file %s %v", out[0], f.RefreshToken, f.Mode)
	}
	if names := Imported(out); len(names) != 1 || names[0] != "qwen-oauth-1-a.json" {
		t.Fatalf("Imported = %v", names)
	}
}

func TestHandoffStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "token-handoff.json")
	auth := t.TempDir()
	data := []byte(`{"access_token":"x"}`)
	if err := os.WriteFile(filepath.Join(auth, "a.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	f := tokenfile.Parse("a.json", data, tokenfile.Options{})
	now := time.Now()
	_, after, err := UpdateHandoff(path, auth, map[string][32]byte{"a.json": f.Hash, "gone.json": f.Hash}, nil, now)
	if err != nil || len(after) != 2 {
		t.Fatalf("%v %v", after, err)
	}
	// A later update drops entries whose file is gone or changed.
	before, after, err := UpdateHandoff(path, auth, nil, nil, now)
	if err != nil || len(before) != 2 || len(after) != 1 {
		t.Fatalf("before %v after %v %v", before, after, err)
	}
	if got, _ := LoadHandoff(path); got["a.json"] != f.Hash {
		t.Fatalf("LoadHandoff = %v", got)
	}
	_, after, _ = UpdateHandoff(path, auth, nil, []string{"a.json"}, now)
	if len(after) != 0 {
		t.Fatalf("drop: %v", after)
	}
	if info, _ := os.Stat(filepath.Dir(path)); info.Mode().Perm() != 0o700 {
		t.Fatalf("state dir mode %v", info.Mode())
	}
}
