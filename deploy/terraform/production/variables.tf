variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zones" {
  description = "Availability zones of the public subnets."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]
}

variable "admin_cidrs" {
  description = "Addresses that may reach SSH."
  type        = list(string)
}

variable "ami_id" {
  description = "Debian 12 amd64 AMI of the region."
  type        = string
}

variable "ssh_public_key" {
  description = "The first operator's public key (the image's admin user)."
  type        = string
}

variable "dns_zone_id" {
  description = "Route 53 zone of dns_name."
  type        = string
}

variable "dns_name" {
  description = "The environment's service name."
  type        = string
}
