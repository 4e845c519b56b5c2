package config

import (
	"strings"
	"testing"
)

func TestClusterParses(t *testing.T) {
	cfg, err := Parse("/x/config.json", []byte(`{"tokenDaemon":{"cluster":{
		"etcd":{"endpoints":["https://10.0.0.1:2379","http://h:2379"],"username":"rc","password":"pw",
		        "tls":{"ca":"ca.pem","cert":"c.pem","key":"k.pem"}},
		"prefix":"/p/","node":"n1","leaseSeconds":5,"keyFile":"k.txt"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Cluster
	if c == nil || len(c.Endpoints) != 2 || c.Username != "rc" || c.Password != "pw" || c.TLS.CA != "ca.pem" ||
		c.TLS.Key != "k.pem" || c.Prefix != "/p/" || c.Node != "n1" || c.LeaseSeconds != 5 || c.KeyFile != "k.txt" {
		t.Fatalf("%+v", c)
	}
	cfg, err = Parse("/x/config.json", []byte(`{"tokenDaemon":{"cluster":{"etcd":{"endpoints":["http://127.0.0.1:2379"]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Cluster; c.Prefix != DefaultClusterPrefix || c.LeaseSeconds != DefaultLeaseSeconds || c.Node != "" {
		t.Fatalf("defaults: %+v", c)
	}
	if cfg, _ := Parse("/x/config.json", []byte(`{"tokenDaemon":{}}`)); cfg.Cluster != nil {
		t.Fatal("no cluster key, but a cluster")
	}
}

func TestClusterErrorsNameTheKey(t *testing.T) {
	for _, tt := range []struct{ cluster, key string }{
		{`{}`, "tokenDaemon.cluster.etcd"},
		{`[]`, "tokenDaemon.cluster"},
		{`{"etcd":{}}`, "tokenDaemon.cluster.etcd.endpoints"},
		{`{"etcd":{"endpoints":[]}}`, "tokenDaemon.cluster.etcd.endpoints"},
		{`{"etcd":{"endpoints":["127.0.0.1:2379"]}}`, "tokenDaemon.cluster.etcd.endpoints[0]"},
		{`{"etcd":{"endpoints":["http://u:p@h:1"]}}`, "tokenDaemon.cluster.etcd.endpoints[0]"},
		{`{"etcd":{"endpoints":["http://h:1"],"password":"secret-pw"}}`, "tokenDaemon.cluster.etcd.username"},
		{`{"etcd":{"endpoints":["http://h:1"],"tls":{"cert":"c"}}}`, "tokenDaemon.cluster.etcd.tls.key"},
		{`{"etcd":{"endpoints":["http://h:1"],"tls":{"crt":"c"}}}`, "tokenDaemon.cluster.etcd.tls.crt"},
		{`{"etcd":{"endpoints":["http://h:1"]},"prefix":"p"}`, "tokenDaemon.cluster.prefix"},
		{`{"etcd":{"endpoints":["http://h:1"]},"node":"a/b"}`, "tokenDaemon.cluster.node"},
		{`{"etcd":{"endpoints":["http://h:1"]},"leaseSeconds":1}`, "tokenDaemon.cluster.leaseSeconds"},
		{`{"etcd":{"endpoints":["http://h:1"]},"keyFile":""}`, "tokenDaemon.cluster.keyFile"},
		{`{"etcd":{"endpoints":["http://h:1"]},"leader":true}`, "tokenDaemon.cluster.leader"},
	} {
		_, err := Parse("/x/config.json", []byte(`{"tokenDaemon":{"cluster":`+tt.cluster+`}}`))
		if err == nil {
			t.Errorf("%s: no error", tt.cluster)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "/x/config.json: "+tt.key+": ") || strings.Contains(msg, "secret-pw") || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q does not name %s in one line (or quotes the password)", tt.cluster, msg, tt.key)
		}
	}
}
