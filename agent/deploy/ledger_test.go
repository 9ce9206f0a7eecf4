package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roundhouse/roundhouse/protocol"
)

func TestDeployLedgerSurvivesReopenAndSetsDamagedFilesAside(t *testing.T) {
	dir := t.TempDir()
	l, recs, damaged, err := openDeployLedger(dir)
	if err != nil || len(recs) != 0 || len(damaged) != 0 {
		t.Fatalf("new ledger: %v %v %v", recs, damaged, err)
	}
	rec := deployRecord{Deploy: protocol.Deploy{DeploymentID: "dep-1", TaskID: "t"}, WorkloadID: deploymentWorkloadID("dep-1"),
		Status: protocol.DeploymentStatus{DeploymentID: "dep-1", Status: protocol.DeployRunning, Port: 5061}}
	if err := l.save(rec); err != nil {
		t.Fatal(err)
	}
	if err := l.save(deployRecord{Deploy: protocol.Deploy{DeploymentID: "dep-2"}}); err != nil {
		t.Fatal(err)
	}
	if err := l.remove("dep-2"); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "dxxxx.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, recs, damaged, err = openDeployLedger(dir)
	if err != nil || len(recs) != 1 || recs[0].Status.Port != 5061 || recs[0].WorkloadID != rec.WorkloadID {
		t.Fatalf("reopened: %+v %v", recs, err)
	}
	if len(damaged) != 1 || damaged[0] != bad+".damaged" {
		t.Fatalf("damaged %v", damaged)
	}
	if _, err := os.Stat(bad + ".damaged"); err != nil {
		t.Fatalf("the damaged file was not kept: %v", err)
	}
	if id := deploymentWorkloadID("a-very-long-deployment-id-0123456789-0123456789"); len(id) > 24 || id == deploymentWorkloadID("other") {
		t.Fatalf("workload id %q: want short and distinct", id)
	}
}

func TestStatusMessagesAreClippedToFitAReport(t *testing.T) {
	long := strings.Repeat("é", 2000) // multi-byte: the cut must stay valid UTF-8
	got := clip(long)
	if len(got) > maxStatusMessage || !utf8.ValidString(got) || !strings.HasSuffix(got, "...") {
		t.Fatalf("clipped to %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if clip("short") != "short" {
		t.Fatal("a short message was changed")
	}
}
