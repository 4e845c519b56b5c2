//go:build !linux && !darwin

package tokenfile

// readForScan reads a token file for Read through readLimited.
func readForScan(path string) ([]byte, *scanInfo, error) {
	data, fi, err := readLimited(path)
	if fi == nil {
		return data, nil, err
	}
	return data, &scanInfo{size: fi.Size(), mode: fi.Mode(), modTime: fi.ModTime()}, err
}
