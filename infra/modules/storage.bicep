// The Storage account behind AzureWebJobsStorage: our tables, queues (each with its -poison twin) and the lease
// container, under the optional storage prefix (ClientHub__StoragePrefix). The Durable Task engine creates its task
// hub's tables, queues and containers itself at start. No shared key: every client authenticates with Entra ID.

@description('Globally unique storage account name: 3-24 lowercase letters and digits.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the account.')
param location string

@description('Tags put on every resource.')
param tags object

@description('ClientHub__StoragePrefix: prefix of table, queue and container names; empty for none.')
param storagePrefix string

@description('Name of the user-assigned managed identity the apps run as; it gets the Blob, Queue and Table data roles on the account.')
param identityName string

// Tables.All in functions/ClientHub.Storage/Tables.cs (BicepBuildTests checks the two agree).
var tableNames = [
  'config'
  'keys'
  'jobs'
  'jobcards'
  'outboxmarks'
  'emails'
  'documents'
  'idempotency'
  'webhookdeliveries'
]

// The queue triggers' queues (EngineOptions.LinksQueue, NoticeSender.Queue, WebhookFanOut.Queue); the timer lease container
// (TriggerStorageInitializer) and the account documents (Containers.All).
var queueNames = ['links', 'notices', 'webhookevents']
var containerNames = ['locks', 'documents']

var dashPrefix = empty(storagePrefix) ? '' : '${toLower(storagePrefix)}-'

// Built-in role definitions: the data roles Durable Functions documents for an identity-based AzureWebJobsStorage.
var dataRoles = {
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}


resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
    // The host, the Durable Task engine and the KEDA scalers all use the managed identity: no key to leak or rotate.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' = [
  for table in tableNames: {
    parent: tableService
    name: '${toLower(storagePrefix)}${table}'
  }
]

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [
  for queue in concat(queueNames, map(queueNames, q => '${q}-poison')): {
    parent: queueService
    name: '${dashPrefix}${queue}'
  }
]

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [
  for container in containerNames: {
    parent: blobService
    name: '${dashPrefix}${container}'
    properties: {
      publicAccess: 'None'
    }
  }
]

resource dataRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(dataRoles): {
    name: guid(account.id, identity.id, role.value)
    scope: account
    properties: {
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    }
  }
]

@description('Name of the account (AzureWebJobsStorage__accountName).')
output name string = account.name
