package provider

import (
	"context"
	"strings"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// qwen: device flow with PKCE, public client (no secret, no Basic), rotating
// refresh tokens, resource_url extra.
type qwen struct{ *client }

var (
	_ Provider   = qwen{}
	_ DeviceFlow = qwen{}
)

func (q qwen) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	return q.refresh(ctx, f, qwenExtras)
}

func (q qwen) StartDevice(ctx context.Context) (*DeviceAuth, error) {
	da, err := q.startDevice(ctx)
	if err != nil {
		return nil, err
	}
	if da.VerificationURIComplete != "" {
		// As RouteCodex does: the page then shows the Qwen Code client.
		sep := "?"
		if strings.Contains(da.VerificationURIComplete, "?") {
			sep = "&"
		}
		da.VerificationURIComplete += sep + "client=qwen-code"
	}
	return da, nil
}

func (q qwen) PollDevice(ctx context.Context, da *DeviceAuth) (tokenfile.Update, error) {
	return q.pollDevice(ctx, da, qwenExtras)
}

// qwenExtras stores resource_url as a URL: qwen answers a bare host.
func qwenExtras(tr *tokenResponse) map[string]any {
	ru := strings.TrimSpace(tr.ResourceURL)
	if ru == "" {
		return nil
	}
	if !strings.HasPrefix(ru, "https://") && !strings.HasPrefix(ru, "http://") {
		ru = "https://" + ru
	}
	return map[string]any{"resource_url": ru}
}
