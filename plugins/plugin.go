package plugins

import (
	"context"
	"fmt"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// GRPCPlugin adapts one shape to go-plugin. On the plugin side Impl serves
// it; on the host side Impl is nil and GRPCClient returns a *Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Shape string
	Impl  Workload
}

// GRPCServer registers the shape's service.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return fmt.Errorf("plugin %s: no implementation", p.Shape)
	}
	s.RegisterService(serviceDesc(p.Shape, p.Impl), p.Impl)
	return nil
}

// GRPCClient returns the host-side client.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, cc *grpc.ClientConn) (any, error) {
	return &Client{cc: cc, shape: p.Shape, svc: serviceName(p.Shape)}, nil
}

// HostPlugins is the plugin set a host passes to go-plugin: every shape,
// dispensed as *Client.
func HostPlugins() plugin.PluginSet {
	return plugin.PluginSet{
		ShapeJob:       &GRPCPlugin{Shape: ShapeJob},
		ShapeService:   &GRPCPlugin{Shape: ShapeService},
		ShapeContainer: &GRPCPlugin{Shape: ShapeContainer},
	}
}

// ServePlugins is the plugin set a plugin binary serves: one entry per
// shape it implements.
func ServePlugins(impls map[string]Workload) plugin.PluginSet {
	set := plugin.PluginSet{}
	for shape, impl := range impls {
		set[shape] = &GRPCPlugin{Shape: shape, Impl: impl}
	}
	return set
}
