// Stand-in for the Tencent Cloud VPC SDK, whose module the Go module proxy
// does not serve. flannel imports it for its tencentvpc backend only; with
// this stand-in that backend reports that it is not part of the build, and
// every other backend (vxlan included) is unchanged.
module github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc

go 1.21
