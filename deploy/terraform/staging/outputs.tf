output "ansible_inventory" {
  description = "deploy/ansible/inventories/ENV/hosts.yml: terraform output -raw ansible_inventory"
  value       = module.podium.ansible_inventory
}

output "host_public_ip" {
  description = "The host's Elastic IP."
  value       = module.podium.host_public_ip
}

output "backup_bucket" {
  description = "The pgBackRest bucket."
  value       = module.podium.backup_bucket
}
