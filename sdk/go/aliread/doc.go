// Read Alibaba Cloud resource-directory invitations (ResourceManager GetHandshake) and LinkWAN join-permission authorization orders (GetJoinPermissionAuthOrder); never changes them.
package aliread
