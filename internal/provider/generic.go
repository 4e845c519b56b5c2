package provider

import (
	"context"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// generic is a provider defined in config. It keeps id_token (when the
// server returns one) so that Account can name the user without a
// userInfoUrl.
type generic struct{ *client }

func (g generic) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	return g.refresh(ctx, f, genericExtras)
}

// Account asks userInfoUrl when configured, else reads the id_token claims.
func (g generic) Account(ctx context.Context, u tokenfile.Update) (Account, error) {
	if g.s.UserInfoURL != "" {
		return g.userInfo(ctx, u.AccessToken)
	}
	if idt, _ := u.Extra["id_token"].(string); idt != "" {
		if acc, ok := idTokenAccount(idt); ok {
			return acc, nil
		}
	}
	return Account{}, &Error{Provider: g.name, Class: Misconfigured,
		Description: "cannot tell who logged in: the token has no id_token; set tokenDaemon.providers." + g.name + ".userInfoUrl"}
}

func genericExtras(tr *tokenResponse) map[string]any {
	if tr.IDToken == "" {
		return nil
	}
	return map[string]any{"id_token": tr.IDToken}
}

// genericAuthCode is a generic provider with flow authorization_code.
type genericAuthCode struct{ generic }

var (
	_ Provider          = genericAuthCode{}
	_ AuthCodeFlow      = genericAuthCode{}
	_ AccountIdentifier = genericAuthCode{}
)

func (g genericAuthCode) AuthCodeURL(redirectURI, state, verifier, loginHint string) string {
	return g.authCodeURL(redirectURI, state, verifier, loginHint)
}

func (g genericAuthCode) Exchange(ctx context.Context, code, verifier, redirectURI string) (tokenfile.Update, error) {
	return g.exchange(ctx, code, verifier, redirectURI, genericExtras)
}

// genericDevice is a generic provider with flow device_code.
type genericDevice struct{ generic }

var (
	_ Provider          = genericDevice{}
	_ DeviceFlow        = genericDevice{}
	_ AccountIdentifier = genericDevice{}
)

func (g genericDevice) StartDevice(ctx context.Context) (*DeviceAuth, error) {
	return g.startDevice(ctx)
}

func (g genericDevice) PollDevice(ctx context.Context, da *DeviceAuth) (tokenfile.Update, error) {
	return g.pollDevice(ctx, da, genericExtras)
}
