variable "environment" {
  description = "Environment name (staging, production): part of every resource's name and tag."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.environment))
    error_message = "environment: lowercase letters, digits and dashes, 2 to 21 characters."
  }
}

variable "name" {
  description = "Prefix of resource names."
  type        = string
  default     = "podium"
}

variable "vpc_cidr" {
  description = "The VPC's address range; public subnets are carved from its first /20s."
  type        = string
  default     = "10.40.0.0/16"
}

variable "availability_zones" {
  description = "Availability zones of the public subnets (the first holds the instance)."
  type        = list(string)
}

variable "admin_cidrs" {
  description = "Addresses that may reach SSH (the cloud firewall; the host's nftables repeats it)."
  type        = list(string)
  validation {
    condition     = length(var.admin_cidrs) > 0 && !contains(var.admin_cidrs, "0.0.0.0/0")
    error_message = "admin_cidrs: at least one address range, never 0.0.0.0/0."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the Podium host."
  type        = string
  default     = "t3.medium"
}

variable "ami_id" {
  description = "AMI of the host: Debian 12 (bookworm) for amd64, e.g. from `aws ec2 describe-images --owners 136693071363 --filters Name=name,Values=debian-12-amd64-*`."
  type        = string
}

variable "ssh_public_key" {
  description = "Public key installed for the image's `admin` user (Ansible's first login)."
  type        = string
}

variable "root_volume_gb" {
  description = "Size of the root volume (system, releases, logs)."
  type        = number
  default     = 20
}

variable "data_volume_gb" {
  description = "Size of the data volume (PostgreSQL and the local pgBackRest repository)."
  type        = number
  default     = 50
}

variable "dns_zone_id" {
  description = "Route 53 hosted zone that holds the service's name."
  type        = string
}

variable "dns_name" {
  description = "The service's name (A record to the host's Elastic IP), e.g. podium.example.com."
  type        = string
}

variable "backup_retention_days" {
  description = "Days a backup object's old versions are kept after pgBackRest expires it."
  type        = number
  default     = 30
}

variable "backup_transition_days" {
  description = "Days after which backup objects move to the infrequent-access storage class."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  description = "Retention of the VPC flow logs (days)."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}
