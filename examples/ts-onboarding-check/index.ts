import * as pulumi from "@pulumi/pulumi";
import * as aliread from "@pulumi-aliread/aliread";

const config = new pulumi.Config();

// A function: read on every preview and up; fails the preview unless Accepted.
const invite = aliread.getHandshakeOutput({
    handshakeId: config.require("handshakeId"),
    expectedStatus: ["Accepted"],
});
// A read-only resource: creating it reads the order, deleting it forgets it.
const grant = new aliread.JoinPermissionAuthOrder("grant", {
    orderId: config.require("orderId"),
    expectedState: ["ACCEPTED"],
});

export const inviteStatus = invite.status;
export const invitedAccount = invite.targetEntity;
export const grantState = grant.orderState;
export const grantAcceptedMillis = grant.acceptedMillis;
