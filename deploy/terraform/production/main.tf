# The production environment: terraform init -backend-config=backend.hcl, then plan and apply
# (docs/operations.md, "From an empty cloud account").
terraform {
  required_version = ">= 1.10.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }
  # Remote state in the bucket made by ../state-bootstrap, locked with an S3 lock file
  # (use_lockfile). bucket, region and kms_key_id come from backend.hcl (-backend-config).
  backend "s3" {
    key          = "podium/production/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { Project = "podium", Environment = "production", ManagedBy = "terraform" }
  }
}

module "podium" {
  source = "../modules/podium-aws"

  environment           = "production"
  vpc_cidr              = "10.42.0.0/16"
  availability_zones    = var.availability_zones
  admin_cidrs           = var.admin_cidrs
  instance_type         = "t3.large"
  ami_id                = var.ami_id
  ssh_public_key        = var.ssh_public_key
  data_volume_gb        = 100
  dns_zone_id           = var.dns_zone_id
  dns_name              = var.dns_name
  backup_retention_days = 35
}
