"""Onboarding check: read an invitation and an authorization order, export their states,
and fail the preview unless both are accepted.

    pulumi config set handshakeId h-ycm4rp3z8b1xq9vk
    pulumi config set orderId 123
    pulumi preview          # red until the invitation is Accepted and the order ACCEPTED
"""

import pulumi

import pulumi_aliread as aliread

config = pulumi.Config()
handshake_id = config.get("handshakeId") or "h-ycm4rp3z8b1xq9vk"
order_id = config.get("orderId") or "123"

invite = aliread.Handshake("invite", handshake_id=handshake_id, expected_status="Accepted")
grant = aliread.JoinPermissionAuthOrder("grant", order_id=order_id, expected_state="ACCEPTED")

pulumi.export("invite_status", invite.status)
pulumi.export("invited_account", invite.target_entity)
pulumi.export("resource_directory_id", invite.resource_directory_id)
pulumi.export("grant_state", grant.order_state)
pulumi.export("grant_accepted_millis", grant.accepted_millis)
