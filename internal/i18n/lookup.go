package i18n

// Lookup is the message key in lang and whether that catalog has it (T
// falls back to the key itself).
func Lookup(lang Lang, key Key) (string, bool) {
	cat, ok := catalogs[lang]
	if !ok {
		cat = en
	}
	msg, ok := cat[key]
	return msg, ok
}
