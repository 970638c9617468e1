// The onboarding gate in Go: read the invitation (a function) and the authorization
// order (a read-only resource); the preview fails until both are accepted.
package main

import (
	"github.com/pulumi-aliread/pulumi-aliread/sdk/go/aliread"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		invite, err := aliread.LookupHandshake(ctx, &aliread.LookupHandshakeArgs{
			HandshakeId:    cfg.Require("handshakeId"),
			ExpectedStatus: []string{"Accepted"},
		})
		if err != nil {
			return err
		}
		grant, err := aliread.NewJoinPermissionAuthOrder(ctx, "grant",
			&aliread.JoinPermissionAuthOrderArgs{
				OrderId:       pulumi.String(cfg.Require("orderId")),
				ExpectedState: pulumi.StringArray{pulumi.String("ACCEPTED")},
			})
		if err != nil {
			return err
		}
		ctx.Export("inviteStatus", pulumi.String(invite.Status))
		ctx.Export("grantState", grant.OrderState)
		return nil
	})
}
