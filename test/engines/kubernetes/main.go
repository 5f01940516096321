// Command kube-engine runs a real kube-apiserver backed by an embedded etcd on 127.0.0.1, with
// certificates, a service-account signing key and an admin token generated at start, and the
// service-account token controller kube-controller-manager runs. It writes connection.json
// (server URL, CA file, token) into --dir once the certificates exist; the caller waits for
// /readyz and stops the process with SIGTERM.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"golang.org/x/sys/unix"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/keyutil"
	"k8s.io/component-base/cli"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	serviceaccountcontroller "k8s.io/kubernetes/pkg/controller/serviceaccount"
	"k8s.io/kubernetes/pkg/serviceaccount"
)

type connection struct {
	Server string `json:"server"`
	CAFile string `json:"caFile"`
	Token  string `json:"token"`
}

func main() {
	dir := flag.String("dir", "", "state folder: certificates, etcd data, connection.json")
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: kube-engine --dir <folder>")
		os.Exit(2)
	}
	// The test that started us may die without stopping us; never outlive it.
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0)
	os.Exit(run(*dir))
}

func run(dir string) int {
	// The API server's port and etcd's two, chosen together so that no two are the same; the
	// server's address is in connection.json.
	ports, err := freePorts(3)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ports:", err)
		return 1
	}
	port := ports[0]
	files, err := writeCredentials(dir, port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "credentials:", err)
		return 1
	}
	etcd, etcdURL, err := startEtcd(filepath.Join(dir, "etcd"), ports[1], ports[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd:", err)
		return 1
	}
	defer etcd.Close()
	if err := startTokenController(dir, files); err != nil {
		fmt.Fprintln(os.Stderr, "token controller:", err)
		return 1
	}

	command := app.NewAPIServerCommand()
	command.SetArgs(apiserverArgs(dir, port, etcdURL, files))
	return cli.Run(command)
}

type credentialFiles struct{ ca, cert, key, saPublic, saPrivate, tokens string }

func apiserverArgs(dir string, port int, etcdURL string, files credentialFiles) []string {
	server := "https://127.0.0.1:" + strconv.Itoa(port)
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + filepath.Join(dir, "certs"),
		"--tls-cert-file=" + files.cert,
		"--tls-private-key-file=" + files.key,
		"--client-ca-file=" + files.ca,
		"--token-auth-file=" + files.tokens,
		"--authorization-mode=Node,RBAC",
		// As kubeadm, K3s and managed clusters run it: Pod Security, not this flag, decides.
		"--allow-privileged=true",
		"--service-account-issuer=" + server,
		"--service-account-key-file=" + files.saPublic,
		"--service-account-signing-key-file=" + files.saPrivate,
		"--api-audiences=" + server,
		"--service-cluster-ip-range=10.96.0.0/16",
		// The Endpoints API refuses loopback addresses, and nothing here routes to the service.
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--shutdown-delay-duration=0s",
		"--profiling=false",
		"--v=0",
	}
}

// startTokenController runs the controller that fills kubernetes.io/service-account-token
// Secrets, as kube-controller-manager does (legacy issuer, the service-account signing key, the
// cluster's CA). Its informers wait for the API server that starts after it.
func startTokenController(dir string, files credentialFiles) error {
	var conn connection
	data, err := os.ReadFile(filepath.Join(dir, "connection.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &conn); err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(&rest.Config{Host: conn.Server, BearerToken: conn.Token, TLSClientConfig: rest.TLSClientConfig{CAFile: conn.CAFile}})
	if err != nil {
		return err
	}
	key, err := keyutil.PrivateKeyFromFile(files.saPrivate)
	if err != nil {
		return err
	}
	generator, err := serviceaccount.JWTTokenGenerator(serviceaccount.LegacyIssuer, key)
	if err != nil {
		return err
	}
	rootCA, err := os.ReadFile(files.ca)
	if err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	controller, err := serviceaccountcontroller.NewTokensController(klog.Background(), factory.Core().V1().ServiceAccounts(), factory.Core().V1().Secrets(), client,
		serviceaccountcontroller.TokensControllerOptions{TokenGenerator: generator, RootCA: rootCA})
	if err != nil {
		return err
	}
	ctx := context.Background()
	factory.Start(ctx.Done())
	go controller.Run(ctx, 1)
	return nil
}

// startEtcd runs an embedded single-member etcd on the given loopback ports.
func startEtcd(dataDir string, clientPort, peerPort int) (*embed.Etcd, string, error) {
	clientURL := loopbackURL(clientPort)
	peerURL := loopbackURL(peerPort)
	cfg := embed.NewConfig()
	cfg.Dir = dataDir
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	// A throw-away store: fsync buys nothing and costs seconds on a busy disk.
	cfg.UnsafeNoFsync = true
	etcd, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-etcd.Server.ReadyNotify():
		return etcd, clientURL.String(), nil
	case <-time.After(60 * time.Second):
		etcd.Close()
		return nil, "", fmt.Errorf("not ready after 60s")
	}
}

func loopbackURL(port int) *url.URL {
	return &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
}

// freePorts returns n loopback ports free right now. Their listeners stay open until all n are
// chosen, so the kernel cannot hand out one of them twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for len(ports) < n {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer listener.Close()
		ports = append(ports, listener.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// writeCredentials creates a CA, a serving certificate for 127.0.0.1, a service-account key pair
// and an admin token in system:masters, then connection.json for the client.
func writeCredentials(dir string, port int) (credentialFiles, error) {
	files := credentialFiles{
		ca:        filepath.Join(dir, "ca.crt"),
		cert:      filepath.Join(dir, "apiserver.crt"),
		key:       filepath.Join(dir, "apiserver.key"),
		saPublic:  filepath.Join(dir, "sa.pub"),
		saPrivate: filepath.Join(dir, "sa.key"),
		tokens:    filepath.Join(dir, "tokens.csv"),
	}
	caKey, caCert, caDER, err := newCA()
	if err != nil {
		return files, err
	}
	servingKey, servingDER, err := newServingCert(caKey, caCert)
	if err != nil {
		return files, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return files, err
	}
	saPublic, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return files, err
	}
	token, err := randomToken()
	if err != nil {
		return files, err
	}
	writes := []struct {
		path string
		data []byte
	}{
		{files.ca, pemBlock("CERTIFICATE", caDER)},
		{files.cert, pemBlock("CERTIFICATE", servingDER)},
		{files.key, pemKey(servingKey)},
		{files.saPublic, pemBlock("PUBLIC KEY", saPublic)},
		{files.saPrivate, pemKey(saKey)},
		{files.tokens, []byte(token + ",admin,admin,system:masters\n")},
	}
	for _, w := range writes {
		if err := os.WriteFile(w.path, w.data, 0o600); err != nil {
			return files, err
		}
	}
	conn, err := json.Marshal(connection{Server: "https://127.0.0.1:" + strconv.Itoa(port), CAFile: files.ca, Token: token})
	if err != nil {
		return files, err
	}
	return files, os.WriteFile(filepath.Join(dir, "connection.json"), conn, 0o600)
}

func newCA() (*ecdsa.PrivateKey, *x509.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kube-engine-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, der, err
}

func newServingCert(caKey *ecdsa.PrivateKey, ca *x509.Certificate) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
	return key, der, err
}

func randomToken() (string, error) {
	buf := make([]byte, 24)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(buf), nil
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

func pemKey(key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		panic(err)
	}
	return pemBlock("EC PRIVATE KEY", der)
}
