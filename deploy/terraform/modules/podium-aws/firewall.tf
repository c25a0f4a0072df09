# The cloud firewall: HTTP and HTTPS from anywhere, SSH from the admin ranges only, nothing
# else in. Out: HTTP/HTTPS (packages, ACME, S3), SMTP submission (alert email), DNS and NTP.

resource "aws_security_group" "host" {
  name        = "${local.prefix}-host"
  description = "Podium host: 80/443 from anywhere, 22 from the admin ranges"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${local.prefix}-host" })
}

resource "aws_vpc_security_group_ingress_rule" "web" {
  #checkov:skip=CKV_AWS_260:the public web service: Nginx answers 80 (redirect, ACME) and 443 to everyone by design
  for_each          = toset(["80", "443"])
  security_group_id = aws_security_group.host.id
  description       = "web ${each.value} from anywhere"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  for_each          = toset(var.admin_cidrs)
  security_group_id = aws_security_group.host.id
  description       = "SSH from admin range ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "tcp" {
  for_each          = toset(["80", "443", "587"])
  security_group_id = aws_security_group.host.id
  description       = "out tcp ${each.value} (packages, ACME, S3, alert email)"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "udp" {
  for_each          = toset(["53", "123"])
  security_group_id = aws_security_group.host.id
  description       = "out udp ${each.value} (DNS, NTP)"
  ip_protocol       = "udp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
}
