# ha-pair outputs for a BIG-IP pair built with F5's terraform-aws-bigip-module (3 NICs:
# device 0 management, 1 external, 2 internal), for Pulumi's awsHaPairArgsFromTerraform().
# The module outputs each BIG-IP's instance ID (bigip_instance_ids) but, in most versions, not
# its interface IDs: they are looked up by attachment (instance and device index).
# Copy next to the module calls; adjust the locals to your names, then `terraform apply`.

locals {
  ha_pair_label = "mydeployment"                         # the f5_cloud_failover_label value
  ha_pair_nodes = {                                        # the two module instances: a, then b
    a = module.bigip[0].bigip_instance_ids
    b = module.bigip[1].bigip_instance_ids
  }
  ha_pair_roles = { external = 1, internal = 2 }           # role => device index (the CFE nic map)
  ha_pair_floating_ips = { external = ["10.0.1.100"] }     # secondary IPs that move (same-AZ pairs)
  ha_pair_routes = [                                       # route tables whose next hop follows the active BIG-IP
    { route_table_id = aws_route_table.internal.id, destinations = ["0.0.0.0/0"], next_hop_role = "internal" },
  ]
}

data "aws_network_interface" "ha_pair" {
  for_each = { for pair in setproduct(keys(local.ha_pair_nodes), keys(local.ha_pair_roles)) : "${pair[0]}-${pair[1]}" => pair }
  filter {
    name   = "attachment.instance-id"
    values = [local.ha_pair_nodes[each.value[0]]]
  }
  filter {
    name   = "attachment.device-index"
    values = [tostring(local.ha_pair_roles[each.value[1]])]
  }
}

data "aws_subnet" "ha_pair" {
  for_each = toset([for nic in data.aws_network_interface.ha_pair : nic.subnet_id])
  id       = each.value
}

output "ha_pair" {
  value = {
    label  = local.ha_pair_label
    vpc_id = one(distinct([for nic in data.aws_network_interface.ha_pair : nic.vpc_id]))
    nodes = { for node, instance in local.ha_pair_nodes : node => {
      instance_id = instance
      interfaces = { for role, _ in local.ha_pair_roles : role => {
        id         = data.aws_network_interface.ha_pair["${node}-${role}"].id
        private_ip = data.aws_network_interface.ha_pair["${node}-${role}"].private_ip
      } }
    } }
    secondary_ips = [for role, ips in local.ha_pair_floating_ips : { role = role, ips = ips }]
    elastic_ips   = []                                     # across-AZ: { allocation_id, public_ip, role, private_ip_a, private_ip_b }
    routes        = local.ha_pair_routes
    # The tables of the nodes' subnets (the S3 gateway endpoint goes there) and one subnet per AZ for the EC2 endpoint.
    node_route_table_ids = [aws_route_table.internal.id]
    endpoint_subnet_ids  = distinct([for node in keys(local.ha_pair_nodes) : data.aws_network_interface.ha_pair["${node}-external"].subnet_id])
    node_subnet_cidrs    = sort([for s in data.aws_subnet.ha_pair : s.cidr_block])
    state_bucket         = aws_s3_bucket.cfe.bucket        # CFE's bucket: used as is
    role_name            = aws_iam_role.cfe.name           # the BIG-IPs' role: only the agent's policy is added
  }
}
