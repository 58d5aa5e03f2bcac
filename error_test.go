package techconf_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/techconf/techconf"
	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
)

func TestErrorStatus(t *testing.T) {
	for code, want := range map[string]int{
		techconf.EINVALID: http.StatusBadRequest, techconf.EBADREQUEST: http.StatusBadRequest,
		techconf.ENOTFOUND: http.StatusNotFound, techconf.EMETHOD: http.StatusMethodNotAllowed,
		techconf.EMEDIATYPE: http.StatusUnsupportedMediaType, techconf.ETOOLARGE: http.StatusRequestEntityTooLarge,
		techconf.ERATELIMITED: http.StatusTooManyRequests, techconf.EUNAVAILABLE: http.StatusServiceUnavailable,
		techconf.EDEPTH: http.StatusBadRequest, techconf.EANSWERTOOLARGE: http.StatusBadRequest,
		techconf.EINTERNAL: http.StatusInternalServerError, "SOMETHING_NEW": http.StatusInternalServerError,
	} {
		if got := techconf.ErrorStatus(code); got != want {
			t.Errorf("ErrorStatus(%q) = %d; want %d", code, got, want)
		}
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	wrapped := errors.Join(errors.New("context"), techconf.Errorf(techconf.ENOTFOUND, "no session %d", 7))
	if got := techconf.ErrorCode(wrapped); got != techconf.ENOTFOUND {
		t.Errorf("ErrorCode(wrapped) = %q; want %q", got, techconf.ENOTFOUND)
	}
	if got := techconf.ErrorMessage(wrapped); got != "no session 7" {
		t.Errorf("ErrorMessage(wrapped) = %q; want %q", got, "no session 7")
	}
	if got := techconf.ErrorMessage(errors.New("secret path /etc")); got != "internal error" {
		t.Errorf("ErrorMessage(plain) = %q; want internal error", got)
	}
}
