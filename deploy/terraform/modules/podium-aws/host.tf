# The Podium host: Debian 12, IMDSv2 only, encrypted root and data volumes (KMS), a fixed
# Elastic IP, and an instance role that may only use the backup bucket.

resource "aws_key_pair" "admin" {
  key_name   = "${local.prefix}-admin"
  public_key = var.ssh_public_key
  tags       = local.tags
}

resource "aws_instance" "host" {
  ami                         = var.ami_id
  instance_type               = var.instance_type
  subnet_id                   = aws_subnet.public[0].id
  vpc_security_group_ids      = [aws_security_group.host.id]
  key_name                    = aws_key_pair.admin.key_name
  iam_instance_profile        = aws_iam_instance_profile.host.name
  associate_public_ip_address = false
  ebs_optimized               = true
  monitoring                  = true
  disable_api_termination     = var.environment == "production"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_gb
    encrypted             = true
    kms_key_id            = aws_kms_key.this.arn
    delete_on_termination = true
  }

  tags        = merge(local.tags, { Name = "${local.prefix}-1", Role = "podium" })
  volume_tags = merge(local.tags, { Name = "${local.prefix}-1" })

  lifecycle {
    ignore_changes = [ami]
  }
}

resource "aws_ebs_volume" "data" {
  #checkov:skip=CKV2_AWS_9:not in an AWS Backup plan on purpose: pgBackRest backs the database up to the S3 bucket below (full, differential, WAL), with point-in-time recovery a volume snapshot cannot give
  availability_zone = var.availability_zones[0]
  size              = var.data_volume_gb
  type              = "gp3"
  encrypted         = true
  kms_key_id        = aws_kms_key.this.arn
  tags              = merge(local.tags, { Name = "${local.prefix}-data" })
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.host.id
}

resource "aws_eip" "host" {
  domain   = "vpc"
  instance = aws_instance.host.id
  tags     = merge(local.tags, { Name = "${local.prefix}-1" })
}

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "host" {
  name               = "${local.prefix}-host"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
  tags               = local.tags
}

resource "aws_iam_instance_profile" "host" {
  name = "${local.prefix}-host"
  role = aws_iam_role.host.name
  tags = local.tags
}

# ---------------------------------------------------------------- DNS
resource "aws_route53_record" "service" {
  zone_id = var.dns_zone_id
  name    = var.dns_name
  type    = "A"
  ttl     = 300
  records = [aws_eip.host.public_ip]
}
