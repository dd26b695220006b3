// The one program in the node tier's images, static so an image needs no other file:
// `pause` is the pod sandbox (containerd's sandbox_image, since registry.k8s.io cannot be
// reached from the test machine), `hello` is a pod's container and prints one line naming its
// image (from PULLKEY_IMAGE in the image config) so a test can tell which pull it came from.
// Both then wait for SIGTERM, as the kubelet stops containers with it.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	if len(os.Args) > 1 && os.Args[1] == "hello" {
		fmt.Printf("hello from %s\n", os.Getenv("PULLKEY_IMAGE"))
	}
	<-stop
}
