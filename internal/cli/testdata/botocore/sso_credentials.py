# Gets credentials for a profile with the AWS CLI's own botocore (its SSO
# credential provider and SSO token provider, which read, renew and rewrite
# the SSO token cache), pointed at a simulated AWS. Prints the access key's
# prefix only.
#
# usage: python3 sso_credentials.py ENDPOINT_URL PROFILE
import sys

try:
    from awscli.botocore.session import Session  # the AWS CLI v2 vendors botocore
except ImportError:
    from botocore.session import Session  # the AWS CLI v1 uses botocore

endpoint, profile = sys.argv[1], sys.argv[2]
session = Session(profile=profile)
create = session.create_client


def create_client(service, *args, **kwargs):
    # Older CLIs know no AWS_ENDPOINT_URL_SSO: point the SSO clients here.
    if service in ("sso", "sso-oidc"):
        kwargs["endpoint_url"] = endpoint
    return create(service, *args, **kwargs)


session.create_client = create_client
print(session.get_credentials().get_frozen_credentials().access_key[:4])
