# Run once per AWS account, before staging and production: the S3 bucket holding their state
# (versioned, encrypted, private, TLS only). Locking uses S3 itself (use_lockfile, Terraform
# 1.10+ and OpenTofu 1.10+), so no DynamoDB table. This configuration's own state is local:
# keep terraform.tfstate of this folder (it holds only the bucket's name).
terraform {
  required_version = ">= 1.10.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }
}

variable "region" {
  description = "Region of the state bucket."
  type        = string
  default     = "eu-west-1"
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { Project = "podium", ManagedBy = "terraform" }
  }
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:state of one region; versioning keeps every earlier state for recovery
  #checkov:skip=CKV2_AWS_62:nothing reacts to state writes
  #checkov:skip=CKV_AWS_18:the state bucket is written by Terraform only; CloudTrail records who did (access logs would need a log bucket for one object)
  bucket_prefix = "podium-tfstate-"
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_kms_key" "state" {
  description         = "podium terraform state"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.state_key.json
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_356:a key policy's resource is always "*" (the key itself); AWS's default statement giving the account's IAM control of the key
  #checkov:skip=CKV_AWS_109:same statement: without it no IAM principal of the account could manage the key
  #checkov:skip=CKV_AWS_111:same statement
  statement {
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "old-states"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 365
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.state]
}

data "aws_iam_policy_document" "state_tls" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_tls.json
}

output "state_bucket" {
  description = "Put this in staging/backend.hcl and production/backend.hcl (bucket = ...)."
  value       = aws_s3_bucket.state.bucket
}

output "state_kms_key_arn" {
  description = "Put this in backend.hcl (kms_key_id = ...)."
  value       = aws_kms_key.state.arn
}
