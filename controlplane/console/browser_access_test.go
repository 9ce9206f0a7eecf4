package console_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

// checkServiceAccounts: a service account is created with its secret
// shown once (and the secret works), then deleted after a confirmation.
func checkServiceAccounts(t *testing.T, b *browser, f fixture) {
	b.open("/console/users")
	b.run("open service accounts from the users page", chromedp.Click(`//nav[@class="subnav"]/a[.="Service accounts"]`),
		chromedp.WaitVisible(chromedp.CSS("#sa-name")))
	b.run("create a service account",
		chromedp.SendKeys(chromedp.CSS("#sa-name"), "deploy-pipeline"),
		chromedp.Click(`(//input[@name="permission"])[1]`),
		chromedp.Click(chromedp.CSS("#create-service-account")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-service-account="deploy-pipeline"]`)))
	id, secret := b.text("#new-sa-id"), b.text("#new-secret")
	if _, err := f.srv.API("").ServiceAccountToken(context.Background(), id, secret); err != nil {
		t.Fatalf("the secret shown does not sign the service account in: %v", err)
	}
	b.shot("service-account-secret")
	b.open("/console/service-accounts")
	b.run("the list shows the account", chromedp.WaitVisible(chromedp.CSS(`tr[data-service-account="deploy-pipeline"]`)))
	if value(b, "look for the secret again", chromedp.Evaluate[bool](`document.body.textContent.includes(`+"`"+secret+"`"+`)`)) {
		t.Fatal("the service account's secret is shown a second time")
	}
	b.shot("service-accounts")
	b.run("delete it after confirming",
		chromedp.Click(`//tr[@data-service-account="deploy-pipeline"]//a[.="Delete"]`),
		chromedp.Click(chromedp.CSS("#confirm-action")), chromedp.WaitVisible(chromedp.CSS("#sa-name")))
	if !value(b, "look for the deleted account", chromedp.Evaluate[bool](`document.querySelector('tr[data-service-account="deploy-pipeline"]') === null`)) {
		t.Fatal("the deleted service account is still listed")
	}
}

// checkIPAllowlist: a bad address is refused beside the field; the
// browser's own address is added, the list enabled after a confirmation
// (the console keeps working from that address) and disabled again.
func checkIPAllowlist(t *testing.T, b *browser, f fixture) {
	b.open("/console/ip-allowlist")
	b.run("an empty allowlist says what to do", chromedp.WaitVisible(`//p[contains(@class, "empty")]`))
	b.run("a bad address is refused",
		chromedp.SendKeys(chromedp.CSS("#ip"), "not-an-ip"), chromedp.Click(chromedp.CSS("#add-ip")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")))
	caller := b.text("#caller-ip")
	b.run("add the browser's address",
		chromedp.SetValue(chromedp.CSS("#ip"), caller),
		chromedp.SendKeys(chromedp.CSS("#ip-description"), "this browser"),
		chromedp.Click(chromedp.CSS("#add-ip")),
		chromedp.WaitVisible(`//tr[@data-ip="`+caller+`"]`))
	b.run("enable it after confirming", chromedp.Click(chromedp.CSS("#enable-allowlist")),
		chromedp.Click(chromedp.CSS("#confirm-action")),
		chromedp.WaitVisible(`//span[@id="allowlist-state" and .="ENABLED"]`))
	b.shot("ip-allowlist")
	b.run("disable it", chromedp.Click(chromedp.CSS("#disable-allowlist")),
		chromedp.WaitVisible(`//span[@id="allowlist-state" and .="DISABLED"]`))
	list, err := f.srv.API(cptest.AdminToken).IPAllowlist().Get(context.Background())
	if err != nil || list.Enabled || len(list.IPs) != 1 {
		t.Fatalf("after the page's changes the API shows %+v (%v)", list, err)
	}
}
