"""An S3-compatible server for tests: moto's server on loopback with one bucket.

Writes the ready file once the bucket exists; stops at end of file on stdin (the harness's
pipe), so it never outlives the test process.
"""
import argparse
import sys

import boto3
from moto.server import ThreadedMotoServer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bucket", required=True)
    p.add_argument("--ready", required=True)
    args = p.parse_args()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{args.port}",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket=args.bucket)
    with open(args.ready, "w") as f:
        f.write("ready\n")
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
