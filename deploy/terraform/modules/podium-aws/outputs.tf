output "host_public_ip" {
  description = "The host's Elastic IP (Ansible's ansible_host)."
  value       = aws_eip.host.public_ip
}

output "host_private_ip" {
  description = "The host's address in the VPC."
  value       = aws_instance.host.private_ip
}

output "dns_name" {
  description = "The service's name (Nginx's SERVER_NAME, the certificate's name)."
  value       = aws_route53_record.service.fqdn
}

output "backup_bucket" {
  description = "The pgBackRest bucket (BACKUP_S3_BUCKET)."
  value       = aws_s3_bucket.backup.bucket
}

output "backup_prefix" {
  description = "The bucket's prefix pgBackRest may use (BACKUP_S3_PATH)."
  value       = "/${local.backup_prefix}"
}

output "backup_region" {
  description = "The bucket's region (BACKUP_S3_REGION)."
  value       = data.aws_region.current.name
}

output "backup_kms_key_arn" {
  description = "KMS key encrypting the volumes, the bucket and the flow logs."
  value       = aws_kms_key.this.arn
}

output "security_group_id" {
  description = "The cloud firewall's security group."
  value       = aws_security_group.host.id
}

output "ansible_inventory" {
  description = "An inventory for deploy/ansible (inventories/ENV/hosts.yml)."
  value = yamlencode({
    podium = {
      hosts = {
        "${local.prefix}-1" = {
          ansible_host = aws_eip.host.public_ip
          ansible_user = "admin"
        }
      }
      vars = {
        podium_server_name       = aws_route53_record.service.fqdn
        podium_environment       = var.environment
        firewall_admin_addresses = var.admin_cidrs
        podium_stack_settings = {
          BACKUP_S3_BUCKET   = aws_s3_bucket.backup.bucket
          BACKUP_S3_REGION   = data.aws_region.current.name
          BACKUP_S3_ENDPOINT = "s3.${data.aws_region.current.name}.amazonaws.com"
          BACKUP_S3_PATH     = "/${local.backup_prefix}"
        }
      }
    }
  })
}
