package enginelink

import (
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/protocol"
)

func TestReconcile(t *testing.T) {
	deploy := func(id string, pending bool) DeploymentOrder {
		return DeploymentOrder{DeploymentID: id, TaskID: "t", Deploy: &protocol.Deploy{DeploymentID: id}, Pending: pending}
	}
	stop := func(id string) DeploymentOrder { return DeploymentOrder{DeploymentID: id, TaskID: "t", Stop: true} }
	st := func(id, status string) protocol.DeploymentStatus {
		return protocol.DeploymentStatus{DeploymentID: id, TaskID: "t", Status: status}
	}
	cases := []struct {
		name   string
		orders []DeploymentOrder
		report []protocol.DeploymentStatus
		send   []string
		gone   []string
	}{
		{"in step", []DeploymentOrder{deploy("d1", false)}, []protocol.DeploymentStatus{st("d1", protocol.DeployRunning)}, nil, nil},
		{"agent lost a running one: deploy again", []DeploymentOrder{deploy("d1", false)}, nil, []string{"deploy:d1"}, nil},
		{"pending ones are the pusher's", []DeploymentOrder{deploy("d1", true)}, nil, nil, nil},
		{"agent runs what should not run", nil, []protocol.DeploymentStatus{st("old", protocol.DeployRunning)}, []string{"undeploy:old"}, nil},
		{"a failed leftover is left alone", nil, []protocol.DeploymentStatus{st("old", protocol.DeployFailed)}, nil, nil},
		{"a stop the agent has nothing of is undeployed", []DeploymentOrder{stop("d2")}, nil, nil, []string{"d2"}},
		{"a draining instance is left running", []DeploymentOrder{{DeploymentID: "d3", TaskID: "t", Keep: true}}, []protocol.DeploymentStatus{st("d3", protocol.DeployRunning)}, nil, nil},
		{"a stop still running is asked again", []DeploymentOrder{stop("d2")}, []protocol.DeploymentStatus{st("d2", protocol.DeployUndeploying)}, []string{"undeploy:d2"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, gone := Reconcile(c.orders, &protocol.DeploymentReport{Deployments: c.report})
			var send, g []string
			for _, m := range msgs {
				switch m := m.(type) {
				case *protocol.Deploy:
					send = append(send, "deploy:"+m.DeploymentID)
				case *protocol.Undeploy:
					send = append(send, "undeploy:"+m.DeploymentID)
				}
			}
			for _, s := range gone {
				if s.Status != protocol.DeployUndeployed || s.SubStatus != protocol.SubUndeployed {
					t.Errorf("gone status %+v", s)
				}
				g = append(g, s.DeploymentID)
			}
			if strings.Join(send, " ") != strings.Join(c.send, " ") || strings.Join(g, " ") != strings.Join(c.gone, " ") {
				t.Fatalf("send %v gone %v, want %v %v", send, g, c.send, c.gone)
			}
		})
	}
}
