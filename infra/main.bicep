// ClientHub WorkFlow in Azure: a Storage account without shared keys, Key Vault for the secrets, Log Analytics, a
// Container Apps environment and one Container App per role (http, queues, timers) running the same image, all under
// one user-assigned managed identity. Compiled and linted offline in CI (tests/.../Infra/BicepBuildTests.cs).
//   az deployment group create -g <group> -f infra/main.bicep -p image=<registry>/clienthub:<tag> registryServer=<registry>
targetScope = 'resourceGroup'

@description('Azure region of every resource; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Short lowercase name (letters and digits) that every resource name starts with.')
@minLength(2)
@maxLength(11)
param namePrefix string = 'clienthub'

@description('Container image of the host (the root Dockerfile); the default is a placeholder answering HTTP until the real one is pushed.')
param image string = 'mcr.microsoft.com/k8se/quickstart:latest'

@description('Registry the apps pull from with the managed identity (give it AcrPull), e.g. myacr.azurecr.io; empty for a public image.')
param registryServer string = ''

@description('Port the host listens on inside the container (the Dockerfile sets ASPNETCORE_HTTP_PORTS=8080).')
param targetPort int = 8080

@minValue(0)
@description('Replicas of the http app when idle; 0 scales to zero (the first request then waits for a start).')
param httpMinReplicas int = 0

@minValue(1)
@description('Most replicas of the http app.')
param httpMaxReplicas int = 10

@minValue(1)
@description('Concurrent HTTP requests per replica before the http app adds one.')
param httpConcurrentRequests int = 50

@minValue(1)
@description('Most replicas of the queues app (queue triggers and the Durable Task worker). It scales to zero when every work queue is empty.')
param queuesMaxReplicas int = 10

@minValue(1)
@description('Messages waiting on one work queue per replica of the queues app before KEDA adds one.')
param queueLengthPerReplica int = 20

@description('ClientHub__StoragePrefix: prefix of table, queue, container and task hub names (empty for none); never change it when live.')
@maxLength(20)
param storagePrefix string = ''

@description('Task hub of the Durable Task engine: host.json\'s extensions.durableTask.hubName (the apps get ClientHub__DurableTask__HubName).')
param taskHubName string = 'clienthub'

@description('Control queues of the task hub; must be host.json\'s storageProvider.partitionCount, and is fixed once the hub exists.')
@minValue(1)
@maxValue(16)
param partitionCount int = 4

@secure()
@description('SendGrid API key, written to Key Vault as sendgrid-api-key when set; empty: see existingVaultSecrets, else no email is sent.')
param sendGridApiKey string = ''

@secure()
@description('Token enabling POST /api/firms, written to Key Vault as bootstrap-token when set; empty: see existingVaultSecrets, else disabled.')
param bootstrapToken string = ''

@description('Secrets already in the vault (az keyvault secret set) for the apps to reference: sendgrid-api-key and/or bootstrap-token.')
param existingVaultSecrets array = []

@description('ClientHub__SendGrid__From: the sender address of emails; empty keeps the host\'s default.')
param sendGridFrom string = ''

@description('ClientHub__SendGrid__WebhookPublicKey: the ECDSA public key (base64) SendGrid signs event webhooks with; empty for none.')
param sendGridWebhookPublicKey string = ''

@description('ClientHub__SendGrid__ActivityCheck: the SendGrid account has the Email Activity add-on and the key may read it.')
param sendGridActivityCheck bool = false

@minValue(30)
@maxValue(730)
@description('Days Log Analytics keeps the apps\' logs.')
param logRetentionDays int = 30

@description('Tags put on every resource.')
param tags object = {
  application: 'clienthub-workflow'
}

// Container Apps' own shapes, so the compiler checks every scale rule, secret and setting written here.
type scaleRule = resourceInput<'Microsoft.App/containerApps@2025-01-01'>.properties.template.scale.rules[*]
type secret = resourceInput<'Microsoft.App/containerApps@2025-01-01'>.properties.configuration.secrets[*]
type setting = resourceInput<'Microsoft.App/containerApps@2025-01-01'>.properties.template.containers[*].env[*]

@description('One role of the host (ClientHub__Roles) as one Container App.')
type roleApp = {
  role: 'http' | 'queues' | 'timers'
  externalIngress: bool
  minReplicas: int
  maxReplicas: int
  scaleRules: scaleRule[]
  secrets: secret[]
  env: setting[]
}

var suffix = uniqueString(resourceGroup().id)
var hubName = toLower('${storagePrefix}${taskHubName}')
var storageAccountName = toLower('${namePrefix}${take(suffix, 13)}')
// Our own queue triggers' queues (EngineOptions.LinksQueue, NoticeSender.Queue, WebhookFanOut.Queue), with the storage prefix.
var ownQueueNames = map(['links', 'notices', 'webhookevents'], q => empty(storagePrefix) ? q : '${toLower(storagePrefix)}-${q}')
var vaultName = '${namePrefix}-kv-${take(suffix, 8)}'
// Known before the vault exists, so the apps' secret references can be laid out at the start of the deployment.
var vaultUri = 'https://${vaultName}${environment().suffixes.keyvaultDns}/'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id'
  location: location
  tags: tags
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageAccountName
    location: location
    tags: tags
    storagePrefix: storagePrefix
    identityName: identity.name
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: vaultName
    location: location
    tags: tags
    identityName: identity.name
    sendGridApiKey: sendGridApiKey
    bootstrapToken: bootstrapToken
  }
}

module appEnvironment 'modules/environment.bicep' = {
  name: 'environment'
  params: {
    name: '${namePrefix}-env'
    location: location
    tags: tags
    logRetentionDays: logRetentionDays
  }
}

// Every role reaches storage the same way: the account by name, as the user-assigned identity (no key anywhere).
var commonEnv setting[] = concat(
  [
    {
      name: 'AzureWebJobsStorage__accountName'
      value: storage.outputs.name
    }
    {
      name: 'AzureWebJobsStorage__clientId'
      value: identity.properties.clientId
    }
    {
      name: 'ClientHub__StoragePrefix'
      value: storagePrefix
    }
    {
      name: 'ClientHub__DurableTask__HubName'
      value: taskHubName
    }
    {
      name: 'ClientHub__DurableTask__StorageProvider__PartitionCount'
      value: string(partitionCount)
    }
    {
      name: 'ASPNETCORE_HTTP_PORTS'
      value: string(targetPort)
    }
  ],
  empty(sendGridFrom) ? [] : [{ name: 'ClientHub__SendGrid__From', value: sendGridFrom }],
  empty(sendGridWebhookPublicKey) ? [] : [{ name: 'ClientHub__SendGrid__WebhookPublicKey', value: sendGridWebhookPublicKey }],
  sendGridActivityCheck ? [{ name: 'ClientHub__SendGrid__ActivityCheck', value: 'true' }] : []
)

// Key Vault references: Container Apps reads the versionless secret with the identity (and picks up a rotation).
var sendGridInVault = !empty(sendGridApiKey) || contains(existingVaultSecrets, 'sendgrid-api-key')
var bootstrapInVault = !empty(bootstrapToken) || contains(existingVaultSecrets, 'bootstrap-token')
var sendGridSecrets secret[] = sendGridInVault
  ? [{ name: 'sendgrid-api-key', keyVaultUrl: '${vaultUri}secrets/sendgrid-api-key', identity: identity.id }]
  : []
var sendGridEnv setting[] = sendGridInVault ? [{ name: 'ClientHub__SendGrid__ApiKey', secretRef: 'sendgrid-api-key' }] : []
var bootstrapSecrets secret[] = bootstrapInVault
  ? [{ name: 'bootstrap-token', keyVaultUrl: '${vaultUri}secrets/bootstrap-token', identity: identity.id }]
  : []
var bootstrapEnv setting[] = bootstrapInVault ? [{ name: 'ClientHub__BootstrapToken', secretRef: 'bootstrap-token' }] : []

// The queues role wakes for the Durable Task hub's work-item queue (activities), its control queues (orchestrations)
// and our own queues (links, notices, webhookevents). A pending durable timer (a reminder days away) is an invisible
// control-queue message, and the scaler counts invisible messages too: while reminders are pending, one replica stays
// up, so the timers fire on time.
var workQueues = concat(
  ['${hubName}-workitems'],
  map(range(0, partitionCount), i => '${hubName}-control-${padLeft(string(i), 2, '0')}'),
  ownQueueNames
)
var queueRules scaleRule[] = [
  for queue in workQueues: {
    name: queue
    azureQueue: {
      accountName: storageAccountName
      queueName: queue
      queueLength: queueLengthPerReplica
      identity: identity.id
    }
  }
]

var roles roleApp[] = [
  {
    role: 'http'
    externalIngress: true
    minReplicas: httpMinReplicas
    maxReplicas: httpMaxReplicas
    scaleRules: [{ name: 'http', http: { metadata: { concurrentRequests: string(httpConcurrentRequests) } } }]
    secrets: concat(sendGridSecrets, bootstrapSecrets)
    env: concat(sendGridEnv, bootstrapEnv)
  }
  {
    role: 'queues'
    externalIngress: false
    minReplicas: 0
    maxReplicas: queuesMaxReplicas
    scaleRules: queueRules
    secrets: sendGridSecrets
    env: sendGridEnv
  }
  {
    // NCRONTAB timers run on one instance anyway (blob-lease singleton); one replica, always up, keeps them on time.
    role: 'timers'
    externalIngress: false
    minReplicas: 1
    maxReplicas: 1
    scaleRules: []
    secrets: sendGridSecrets
    env: sendGridEnv
  }
]

module apps 'modules/app.bicep' = [
  for app in roles: {
    name: 'app-${app.role}'
    params: {
      name: '${namePrefix}-${app.role}'
      location: location
      tags: tags
      environmentId: appEnvironment.outputs.id
      identityId: identity.id
      image: image
      registryServer: registryServer
      targetPort: targetPort
      externalIngress: app.externalIngress
      minReplicas: app.minReplicas
      maxReplicas: app.maxReplicas
      scaleRules: app.scaleRules
      env: concat(commonEnv, [{ name: 'ClientHub__Roles', value: app.role }], app.env)
      secrets: app.secrets
    }
    // The secrets must be in the vault, and the identity able to read them, before a revision starts (the storage
    // roles come first already: the apps take the account's name from the storage module).
    dependsOn: [vault]
  }
]

@description('Base URL of the HTTP API (the http app), e.g. <url>/api and <url>/healthz.')
output httpUrl string = 'https://${apps[0].outputs.fqdn}'

@description('Storage account name (AzureWebJobsStorage__accountName).')
output storageAccountName string = storage.outputs.name

@description('Key Vault the secrets go to (az keyvault secret set --vault-name <this>).')
output keyVaultName string = vault.outputs.name

@description('Client id of the managed identity the apps run as (AzureWebJobsStorage__clientId).')
output identityClientId string = identity.properties.clientId
