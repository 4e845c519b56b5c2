package tray

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
)

// iconSize is the side of the drawn icon in pixels; trays scale it.
const iconSize = 32

// levelColors are the fill colours of the icon, one per level.
var levelColors = map[Level]color.NRGBA{
	LevelOK:      {0x2e, 0x9d, 0x46, 0xff}, // green
	LevelWarning: {0xf2, 0xa9, 0x00, 0xff}, // amber
	LevelError:   {0xd3, 0x2f, 0x2f, 0xff}, // red
	LevelOffline: {0x8a, 0x8a, 0x8a, 0xff}, // grey
}

// drawIcon draws a filled, anti-aliased disc of the level's colour with a
// darker rim on a transparent square: readable on light and dark panels,
// and needs no asset files.
func drawIcon(l Level) *image.NRGBA {
	fill := levelColors[l]
	rim := color.NRGBA{fill.R / 2, fill.G / 2, fill.B / 2, 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, iconSize, iconSize))
	c := float64(iconSize) / 2
	outer := c - 1
	for y := range iconSize {
		for x := range iconSize {
			d := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c)
			var px color.NRGBA
			switch {
			case d <= outer-2.5:
				px = fill
			case d <= outer:
				px = rim
			default:
				continue
			}
			// Soften the edge over its last pixel.
			if cover := outer + 0.5 - d; cover < 1 {
				px.A = uint8(float64(px.A) * math.Max(cover, 0))
			}
			img.SetNRGBA(x, y, px)
		}
	}
	return img
}

var pngIcons = sync.OnceValue(func() map[Level][]byte {
	m := make(map[Level][]byte, len(levelColors))
	for l := range levelColors {
		var buf bytes.Buffer
		if err := png.Encode(&buf, drawIcon(l)); err != nil {
			panic("tray: encode icon: " + err.Error()) // in-memory encoding of a valid image cannot fail
		}
		m[l] = buf.Bytes()
	}
	return m
})

// iconPNG is the icon of level l as PNG bytes (Linux, macOS).
func iconPNG(l Level) []byte { return pngIcons()[l] }

// iconICO is the icon of level l as an ICO file holding one PNG image, the
// format the Windows tray loads (Windows Vista and later read PNG in ICO).
func iconICO(l Level) []byte {
	img := iconPNG(l)
	var buf bytes.Buffer
	const headerLen, entryLen = 6, 16
	// ICONDIR: reserved, type 1 (icon), one image.
	_ = binary.Write(&buf, binary.LittleEndian, [3]uint16{0, 1, 1})
	// ICONDIRENTRY: width, height, colours, reserved, planes, bit count,
	// data size, data offset.
	buf.Write([]byte{iconSize, iconSize, 0, 0})
	_ = binary.Write(&buf, binary.LittleEndian, [2]uint16{1, 32})
	_ = binary.Write(&buf, binary.LittleEndian, [2]uint32{uint32(len(img)), headerLen + entryLen})
	buf.Write(img)
	return buf.Bytes()
}
