package i18n

import "fmt"

// add merges one area's messages into the catalogs. Each area of the
// product (broker, export, service, …) keeps its keys and both languages'
// texts in a file of its own and calls add from an init function, so
// that areas do not all edit en.go and zh.go. A key defined twice is a
// programming error and panics at start.
func add(enMsgs, zhMsgs map[Key]string) {
	for _, pair := range []struct {
		dst, src map[Key]string
	}{{en, enMsgs}, {zh, zhMsgs}} {
		for k, v := range pair.src {
			if _, dup := pair.dst[k]; dup {
				panic(fmt.Sprintf("i18n: key %q defined twice", k))
			}
			pair.dst[k] = v
		}
	}
}
